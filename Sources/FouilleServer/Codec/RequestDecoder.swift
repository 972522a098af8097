import NIOCore

/// One request line from the wire, or the news that a line was too long.
public enum RequestFrame: Equatable, Sendable {
    /// The bytes of one line, without LF or CR LF.
    case line(ByteBuffer)
    /// A line passed the length limit: answered with `line_too_long`, then the
    /// connection closes, so the rest of the input is never read.
    case tooLong
}

/// Frames requests: one line each, ended by LF (CR LF accepted).
///
///     "PING\r\nSEARCH coree\n"  →  .line("PING"), .line("SEARCH coree")
///
/// Unlike swift-nio-extras' `LineBasedFrameDecoder`, it enforces the length
/// limit itself, before buffering a whole overlong line: a client cannot make
/// the server hold more than `maximumLength` bytes of one request.
public struct RequestDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RequestFrame

    public let maximumLength: Int
    private var scanned = 0
    private var discarding = false

    public init(maximumLength: Int) {
        self.maximumLength = maximumLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = next(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A last line without its LF is still a request, if it fits.
        if let frame = next(&buffer) {
            context.fireChannelRead(wrapInboundOut(frame))
            return .continue
        }
        if !discarding, buffer.readableBytes > 0 {
            let frame = buffer.readableBytes > maximumLength
                ? tooLong(&buffer) : .line(buffer.readSlice(length: buffer.readableBytes)!)
            context.fireChannelRead(wrapInboundOut(frame))
        }
        buffer.clear()
        return .needMoreData
    }

    /// The next frame in `buffer`, consuming it; the decoding logic without a channel.
    public mutating func next(_ buffer: inout ByteBuffer) -> RequestFrame? {
        if discarding {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return nil
        }
        let view = buffer.readableBytesView
        let start = view.startIndex
        if let newline = view[(start + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
            scanned = 0
            var length = newline - start
            if length > 0, view[newline - 1] == UInt8(ascii: "\r") { length -= 1 }
            guard length <= maximumLength else { return tooLong(&buffer) }
            let line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: newline - start + 1 - length)
            return .line(line)
        }
        scanned = view.count
        // A last "\r" may still be followed by "\n": allow one byte for it, only if it is one.
        let over = view.count - maximumLength
        return over > 1 || (over == 1 && view.last != UInt8(ascii: "\r")) ? tooLong(&buffer) : nil
    }

    private mutating func tooLong(_ buffer: inout ByteBuffer) -> RequestFrame {
        discarding = true
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .tooLong
    }
}
