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

    public var path: String { socket.path }
    private let socket: LineSocket

    /// - Parameter timeout: seconds to wait for any one read or write.
    public init(path: String, timeout: Double = 30) throws {
        do {
            socket = try LineSocket(path: path, timeout: timeout)
        } catch {
            throw ClientError.cannotConnect(path: path, reason: error.reason)
        }
    }

    /// Sends one request line and reads its whole reply.
    public func send(_ request: String) throws -> Reply {
        guard socket.write(Array((request + "\n").utf8)) else { throw ClientError.disconnected(path: path) }
        var lines: [String] = []
        while true {
            let line: String?
            do {
                line = try socket.nextLine()
            } catch {
                throw ClientError.timedOut(path: path)
            }
            guard let line else { throw ClientError.disconnected(path: path) }
            if line == "OK" || line.hasPrefix("OK ") || line == "ERR" || line.hasPrefix("ERR ") {
                return Reply(lines: lines, final: line)
            }
            lines.append(line)
        }
    }
}
