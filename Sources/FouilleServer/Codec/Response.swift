import NIOCore

/// What the server sends for one request: data lines, then exactly one final
/// line starting with `OK` or `ERR`.
public struct Response: Equatable, Sendable {
    public var lines: [String]
    public var final: String
    /// The connection ends after this response (`QUIT`, `line_too_long`, `shutting_down`).
    public var closesConnection: Bool

    public static func ok(_ detail: String = "", lines: [String] = [], close: Bool = false) -> Response {
        Response(lines: lines, final: detail.isEmpty ? "OK" : "OK " + detail, closesConnection: close)
    }

    public static func error(_ error: ProtocolError) -> Response {
        Response(
            lines: [], final: "ERR \(error.code.rawValue) \(Self.field(error.message))",
            closesConnection: error.code.closesConnection)
    }

    /// Joins fields with one TAB; TAB, CR and LF inside a field become spaces.
    public static func dataLine(_ fields: [String]) -> String {
        fields.map(field).joined(separator: "\t")
    }

    static func field(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0
        }))
    }

    /// The bytes ``encode(into:)`` writes: a buffer of this capacity is
    /// never grown (a page of hits is a few kilobytes).
    public var encodedByteCount: Int {
        lines.reduce(final.utf8.count + 1) { $0 + $1.utf8.count + 1 }
    }

    /// The response as bytes, each line ended by LF.
    public func encode(into buffer: inout ByteBuffer) {
        for line in lines {
            buffer.writeString(line)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        buffer.writeString(final)
        buffer.writeInteger(UInt8(ascii: "\n"))
    }
}
