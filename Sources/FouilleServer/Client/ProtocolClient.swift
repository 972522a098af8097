import Foundation

/// A blocking client of the line protocol, for the command line: connect,
/// send a request, read lines up to the final `OK` or `ERR`.
public final class ProtocolClient {
    public enum ClientError: Error, CustomStringConvertible, Equatable {
        case cannotConnect(path: String, reason: String)
        case disconnected(path: String)
        case timedOut(path: String)

        public var description: String {
            switch self {
            case .cannotConnect(let path, let reason):
                return "cannot connect to \(path) (\(reason)): is 'fouille serve' running?"
            case .disconnected(let path):
                return "the daemon on \(path) closed the connection before answering"
            case .timedOut(let path):
                return "the daemon on \(path) did not answer in time"
            }
        }
    }

    /// The answer to one request.
    public struct Reply: Equatable, Sendable {
        public var lines: [String]
        /// The `OK …` or `ERR …` line.
        public var final: String

        public var isOK: Bool { final == "OK" || final.hasPrefix("OK ") }
        /// `key=value` pairs of the final line (`total=12 returned=10`).
        public var values: [String: String] {
            var values: [String: String] = [:]
            for pair in final.split(separator: " ").dropFirst() {
                if let equals = pair.firstIndex(of: "=") {
                    values[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
                }
            }
            return values
        }
    }

    public let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// - Parameter timeout: seconds to wait for any one read or write.
    public init(path: String, timeout: Double = 30) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError.cannotConnect(path: path, reason: String(cString: strerror(errno))) }
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard path.utf8.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw ClientError.cannotConnect(path: path, reason: "path too long for a Unix socket")
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
            let reason: String
            switch code {
            case ENOENT: reason = "no such file"
            case ECONNREFUSED: reason = "connection refused"
            case EACCES: reason = "permission denied"
            default: reason = String(cString: strerror(code))
            }
            throw ClientError.cannotConnect(path: path, reason: reason)
        }
    }

    deinit { close(fd) }

    /// Sends one request line and reads its whole reply.
    public func send(_ request: String) throws -> Reply {
        let bytes = Array((request + "\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw ClientError.disconnected(path: path) }
            sent += n
        }
        var lines: [String] = []
        while true {
            let line = try readLine()
            if line == "OK" || line.hasPrefix("OK ") || line == "ERR" || line.hasPrefix("ERR ") {
                return Reply(lines: lines, final: line)
            }
            lines.append(line)
        }
    }

    private func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { throw ClientError.timedOut(path: path) }
            guard n > 0 else { throw ClientError.disconnected(path: path) }
            buffer.append(contentsOf: chunk[..<n])
        }
    }
}
