import Foundation

/// A connected Unix stream socket, written in bytes and read line by line
/// with POSIX calls: what ``ProtocolClient`` talks through, what
/// ``SocketPath`` probes a path with, and what tests use to send what a
/// well-behaved client never would.
public final class LineSocket {
    /// Why a connection failed: the errno and its words.
    public struct ConnectError: Error, Equatable {
        public var code: Int32

        /// "no such file", "connection refused"…: for a one-line message.
        public var reason: String {
            switch code {
            case ENOENT: return "no such file"
            case ECONNREFUSED: return "connection refused"
            case EACCES: return "permission denied"
            case ENAMETOOLONG: return "path too long for a Unix socket"
            default: return String(cString: strerror(code))
            }
        }
    }

    public enum ReadError: Error { case timedOut }

    public let path: String
    private let fd: Int32
    private var pending: [UInt8] = []

    /// - Parameter timeout: seconds to wait for any one read or write.
    public init(path: String, timeout: Double = 30) throws(ConnectError) {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConnectError(code: errno) }
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard path.utf8.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw ConnectError(code: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw ConnectError(code: code)
        }
    }

    deinit { close(fd) }

    /// Writes all of `bytes`; false when the peer is gone.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    /// The next line, without its LF; nil when the peer closed the connection.
    public func nextLine() throws(ReadError) -> String? {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { throw .timedOut }
            guard n > 0 else { return nil }
            pending.append(contentsOf: chunk[..<n])
        }
    }

    /// The next line; nil when the peer closed the connection or the timeout passed.
    public func readLine() -> String? {
        (try? nextLine()) ?? nil
    }
}
