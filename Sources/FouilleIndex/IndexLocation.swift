import Foundation

/// Where an index lives: a folder holding one SQLite file per generation and a
/// `CURRENT` file naming the generation in service.
///
///     news-index/
///       CURRENT              "gen-000002.sqlite\n"
///       gen-000002.sqlite    (+ -wal, -shm while open)
///
/// A folder rather than a file, because SQLite finds a database's `-wal` and
/// `-shm` by name: a rebuilt index must never be renamed over a file another
/// process has open. A new generation is written beside the old one and
/// published by replacing `CURRENT` atomically.
public struct IndexLocation: Sendable, Equatable {
    public let folder: URL

    public init(path: String) {
        folder = URL(fileURLWithPath: path).standardizedFileURL
    }

    /// `FOUILLE_INDEX`, or `$XDG_DATA_HOME/fouille/index`, or
    /// `~/.local/share/fouille/index`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["FOUILLE_INDEX"], !path.isEmpty { return path }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/fouille/index" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/fouille/index"
    }

    public var path: String { folder.path }
    var currentFile: URL { folder.appendingPathComponent("CURRENT") }

    static func generationFileName(_ number: Int) -> String {
        "gen-" + String(repeating: "0", count: max(0, 6 - String(number).count)) + String(number) + ".sqlite"
    }

    /// The generation number a file name stands for, or nil.
    static func generationNumber(fileName: String) -> Int? {
        guard fileName.hasPrefix("gen-"), fileName.hasSuffix(".sqlite") else { return nil }
        return Int(fileName.dropFirst(4).dropLast(7))
    }

    /// The generation in service, as `CURRENT` names it.
    public func currentGeneration() throws -> Generation {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw IndexError.missing(path: path)
        }
        guard isFolder.boolValue else { throw IndexError.notAnIndexFolder(path: path) }
        var name = try currentName()
        // A rebuild may publish a new generation and delete this one between
        // reading CURRENT and looking for the file: then CURRENT has moved
        // on, and what it names now is read. Only a name that stays is missing.
        for attempt in 1... {
            guard let number = Self.generationNumber(fileName: name), !name.contains("/") else {
                throw IndexError.corrupt(path: currentFile.path, reason: "CURRENT does not name a generation file")
            }
            let file = folder.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: file.path) { return Generation(number: number, file: file) }
            let now = try currentName()
            guard now != name, attempt < 100 else {
                throw IndexError.corrupt(path: file.path, reason: "CURRENT names a generation file that does not exist")
            }
            name = now
        }
        fatalError("unreachable")
    }

    private func currentName() throws -> String {
        guard let data = FileManager.default.contents(atPath: currentFile.path) else {
            throw IndexError.missing(path: path)
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Points `CURRENT` at `generation`: written to a temporary name, synced,
    /// renamed over the old one, and the folder synced, so that a crash leaves
    /// either the old pointer or the new one, never a torn file.
    public func publish(_ generation: Generation) throws {
        let temporary = folder.appendingPathComponent("CURRENT.tmp")
        let contents = Array((generation.file.lastPathComponent + "\n").utf8)
        try FileSystem.writeSynced(contents, to: temporary.path)
        guard rename(temporary.path, currentFile.path) == 0 else {
            throw IndexError.database("cannot publish \(currentFile.path): \(String(cString: strerror(errno)))")
        }
        FileSystem.syncFolder(folder.path)
    }
}

/// One SQLite file of an index.
public struct Generation: Sendable, Equatable {
    public let number: Int
    public let file: URL

    public init(number: Int, file: URL) {
        self.number = number
        self.file = file
    }
}

enum FileSystem {
    static func writeSynced(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw IndexError.database("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw IndexError.database("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func syncFolder(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
