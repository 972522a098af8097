import Foundation

/// The one-writer-at-a-time lock of an index: `flock` on `LOCK` in the index
/// folder, held by `fouille ingest` and `fouille rebuild` for their whole run.
///
/// `flock` rather than a lock file that exists or not: the kernel releases it
/// when its holder dies, so a `kill -9` leaves no lock to break by hand. The
/// holder writes its pid and command into the file and empties it when it is
/// done, so a later run can tell that the previous one was interrupted.
public final class WriterLock {
    /// Another process holds the lock.
    public struct Busy: Error, CustomStringConvertible {
        public let path: String
        /// What the holder wrote: "pid 1234, fouille rebuild, since …", or empty.
        public let holder: String

        public var description: String {
            let who = holder.isEmpty ? "another fouille ingest or rebuild" : holder
            return "the index is being written by \(who) (lock \(path)); try again later, or pass --wait"
        }
    }

    public let path: String
    /// What an earlier holder left in the file: it did not finish (killed,
    /// power cut). Nil after a clean run.
    public let interruptedHolder: String?
    private var descriptor: Int32

    /// Takes the lock of `location`, creating the index folder if needed.
    /// - Parameters:
    ///   - command: written into the lock file for whoever finds it taken.
    ///   - wait: block until the lock is free instead of throwing ``Busy``.
    public init(_ location: IndexLocation, command: String, wait: Bool) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: location.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw IndexError.notAnIndexFolder(path: location.path)
        }
        do {
            try FileManager.default.createDirectory(at: location.folder, withIntermediateDirectories: true)
        } catch {
            throw IndexError.database("cannot create the index folder \(location.path): \(error.localizedDescription)")
        }
        path = location.folder.appendingPathComponent("LOCK").path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw IndexError.database("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let code = errno
            let holder = Self.contents(of: descriptor)
            close(descriptor)
            if code == EWOULDBLOCK { throw Busy(path: path, holder: holder) }
            throw IndexError.database("cannot lock \(path): \(String(cString: strerror(code)))")
        }
        let left = Self.contents(of: descriptor)
        interruptedHolder = left.isEmpty ? nil : left
        let stamp = ISO8601DateFormatter().string(from: Date())
        let note = Array("pid \(getpid()), \(command), since \(stamp)\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = note.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Empties the lock file (a clean finish) and lets the next writer in.
    public func release() {
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private static func contents(of descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return "" }
        return String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
