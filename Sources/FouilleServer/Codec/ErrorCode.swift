/// The error codes of the line protocol: the word after `ERR`.
public enum ErrorCode: String, Sendable, CaseIterable {
    case unknownCommand = "unknown_command"
    case badArgument = "bad_argument"
    case badQuery = "bad_query"
    case badEncoding = "bad_encoding"
    case lineTooLong = "line_too_long"
    case notFound = "not_found"
    case busy
    case timeout
    case shuttingDown = "shutting_down"
    case `internal`

    /// Only these errors end the connection; every other leaves it usable.
    public var closesConnection: Bool { self == .lineTooLong || self == .shuttingDown }
}

/// A request the server cannot answer with data: the `ERR` line to send.
public struct ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue) \(message)" }
}
