import Foundation

/// What a sweep of the index folder did with a file.
public struct SweptFile: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// An older generation, replaced by the one in service and no longer open.
        case superseded
        /// A generation never published: left by a rebuild that was killed.
        case unpublished
        /// A `CURRENT.tmp` left by a publication that was cut short.
        case unfinishedPointer
        /// Still open by another process (a daemon serving its last queries):
        /// kept, and removed by whoever sweeps after it is closed.
        case inUse
    }

    public let name: String
    public let reason: Reason

    public var description: String {
        switch reason {
        case .superseded: return "removed \(name) (an earlier generation, no longer in use)"
        case .unpublished: return "removed \(name) (left by an interrupted rebuild, never published)"
        case .unfinishedPointer: return "removed \(name) (left by an interrupted publication)"
        case .inUse: return "kept \(name) for now: another process (a daemon finishing its queries) has it open, and removes it once closed"
        }
    }
}

extension IndexLocation {
    /// The generation files in the folder, oldest first.
    public func generationsOnDisk() -> [Generation] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.compactMap { name in
            Self.generationNumber(fileName: name).map { Generation(number: $0, file: folder.appendingPathComponent(name)) }
        }.sorted { $0.number < $1.number }
    }

    /// A number no generation file has used: numbers only grow, so a daemon
    /// never mistakes a rebuilt generation for the one it serves.
    public func nextGenerationNumber() -> Int {
        let onDisk = generationsOnDisk().last?.number ?? 0
        let current = (try? currentGeneration().number) ?? 0
        return max(onDisk, current) + 1
    }

    /// Deletes the generation files that nobody needs any more.
    ///
    /// Generations older than the one `CURRENT` names go once no process has
    /// them open; any process may sweep them (the daemon does, after letting
    /// go of one). Generations newer than it are a rebuild's work in progress,
    /// or debris when that rebuild was killed: only the holder of the
    /// ``WriterLock`` may pass `unpublished: true` to delete them.
    ///
    /// This process must not have the files open itself: POSIX locks cannot
    /// see a process's own, and closing a descriptor would drop SQLite's.
    ///
    /// - Parameter only: the generations to consider (a daemon names those it
    ///   has closed itself); nil for all.
    @discardableResult
    public func sweep(unpublished: Bool, only: Set<Int>? = nil) -> [SweptFile] {
        guard let current = try? currentGeneration() else { return [] }
        var swept: [SweptFile] = []
        for generation in generationsOnDisk() where generation.number != current.number {
            if let only, !only.contains(generation.number) { continue }
            let newer = generation.number > current.number
            if newer && !unpublished { continue }
            let name = generation.file.lastPathComponent
            if SQLiteFileUse.isOpenElsewhere(generation.file.path) {
                swept.append(SweptFile(name: name, reason: .inUse))
                continue
            }
            // CURRENT may have moved on while we looked: never delete what it names.
            guard (try? currentGeneration().number) != generation.number else { continue }
            SQLiteFileUse.remove(generation.file.path)
            swept.append(SweptFile(name: name, reason: newer ? .unpublished : .superseded))
        }
        let pointer = folder.appendingPathComponent("CURRENT.tmp").path
        if unpublished && FileManager.default.fileExists(atPath: pointer) {
            try? FileManager.default.removeItem(atPath: pointer)
            swept.append(SweptFile(name: "CURRENT.tmp", reason: .unfinishedPointer))
        }
        return swept
    }

    /// Deletes a generation that was never published, with its WAL files.
    public func discard(_ generation: Generation) {
        guard (try? currentGeneration()) != generation else { return }
        SQLiteFileUse.remove(generation.file.path)
    }
}

/// Whether an SQLite database file is open in another process.
///
/// Every connection to a WAL database holds a shared POSIX lock on its `-shm`
/// file for as long as it is open (SQLite's "dead man switch" byte), and
/// locks bytes of the main file during transactions. Asking the kernel
/// whether a write lock could be taken over either file tells whether some
/// process still uses the database, without opening it through SQLite.
enum SQLiteFileUse {
    static func isOpenElsewhere(_ path: String) -> Bool {
        isLockedElsewhere(path) || isLockedElsewhere(path + "-shm")
    }

    private static func isLockedElsewhere(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var probe = flock()
        probe.l_type = Int16(F_WRLCK)
        probe.l_whence = Int16(SEEK_SET)
        probe.l_start = 0
        probe.l_len = 0
        guard fcntl(descriptor, F_GETLK, &probe) == 0 else { return false }
        return probe.l_type != Int16(F_UNLCK)
    }

    /// Deletes a database with its companion files.
    static func remove(_ path: String) {
        for suffix in ["-wal", "-shm", "-journal", ""] {
            unlink(path + suffix)
        }
    }
}
