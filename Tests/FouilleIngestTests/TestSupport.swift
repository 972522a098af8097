import Foundation
import Logging
import XCTest

/// A fresh folder under the system's temporary directory, for one test.
///
/// Everything a test reads is written here by the test itself. The folder is
/// removed when the test ends (permissions restored first, so that a test that
/// made something unreadable does not leave it behind).
final class TemporaryFolder {
    let url: URL
    var path: String { url.path }

    init(_ test: XCTestCase) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fouille-ingest-tests-" + UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let path = url.path
        test.addTeardownBlock {
            TemporaryFolder.makeWritable(path)
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Makes `relative` (and its parents) a folder; returns its absolute path.
    @discardableResult
    func folder(_ relative: String) throws -> String {
        let path = self.path + "/" + relative
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `text` as UTF-8 to `relative`, creating its folders; returns the absolute path.
    @discardableResult
    func write(_ text: String, to relative: String, mtime: Int? = nil) throws -> String {
        try write(bytes: Array(text.utf8), to: relative, mtime: mtime)
    }

    @discardableResult
    func write(bytes: [UInt8], to relative: String, mtime: Int? = nil) throws -> String {
        let path = self.path + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if let mtime { try setModificationTime(path, seconds: mtime) }
        return path
    }

    /// chmod -R u+rwx, so that the folder can be removed.
    static func makeWritable(_ path: String) {
        chmod(path, 0o755)
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return }
        while let relative = enumerator.nextObject() as? String {
            let child = path + "/" + relative
            var info = stat()
            guard lstat(child, &info) == 0, (info.st_mode & S_IFMT) != S_IFLNK else { continue }
            chmod(child, (info.st_mode & S_IFMT) == S_IFDIR ? 0o755 : 0o644)
        }
    }
}

/// Sets a file's modification (and access) time exactly, to the nanosecond.
func setModificationTime(_ path: String, seconds: Int, nanoseconds: Int = 0) throws {
    var times = [
        timespec(tv_sec: seconds, tv_nsec: nanoseconds),
        timespec(tv_sec: seconds, tv_nsec: nanoseconds),
    ]
    guard utimensat(AT_FDCWD, path, &times, 0) == 0 else {
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
    }
}

/// Creates a file whose name is raw bytes (not necessarily UTF-8) in `folder`.
/// Returns the full path as bytes, NUL-terminated, for `unlink`.
@discardableResult
func createFile(in folder: String, nameBytes: [UInt8], contents: String) throws -> [CChar] {
    let path = (Array(folder.utf8) + [0x2F] + nameBytes + [0]).map { CChar(bitPattern: $0) }
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    let bytes = Array(contents.utf8)
    guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
    }
    return path
}

/// Keeps what was logged, so that tests can check a file was named with its reason.
final class LogRecorder: @unchecked Sendable {
    struct Entry: CustomStringConvertible {
        var level: Logger.Level
        var message: String
        var description: String { "[\(level)] \(message)" }
    }

    private let lock = NSLock()
    private var stored: [Entry] = []

    var entries: [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    func append(_ entry: Entry) {
        lock.lock()
        stored.append(entry)
        lock.unlock()
    }

    var logger: Logger {
        Logger(label: "fouille.ingest.tests") { _ in CollectingLogHandler(recorder: self) }
    }

    func messages(at level: Logger.Level) -> [String] {
        entries.filter { $0.level == level }.map(\.message)
    }

    /// True when one message at `level` names `path` and says `reason`.
    func logged(_ level: Logger.Level, path: String, reason: String) -> Bool {
        messages(at: level).contains { $0.contains(path) && $0.localizedCaseInsensitiveContains(reason) }
    }
}

struct CollectingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        recorder.append(LogRecorder.Entry(level: event.level, message: event.message.description))
    }
}
