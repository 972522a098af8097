import FouilleTestSupport
import NIOCore
import NIOEmbedded
import XCTest

@testable import FouilleServer

/// Framing of request lines, in the spirit of swift-nio-extras'
/// `LineBasedFrameDecoderTest`: the pure `next(_:)` logic first, then the same
/// inputs through a channel, in every chunking.
final class RequestDecoderTests: XCTestCase {
    // MARK: - Helpers

    /// A table row: bytes in, frames out before the close and after it.
    struct Case {
        var name: String
        var input: [UInt8]
        var maximumLength: Int
        /// Frames the decoder yields while the connection is open.
        var frames: [RequestFrame]
        /// Further frames once the input ends (a last line without LF).
        var atClose: [RequestFrame] = []
    }

    static func line(_ text: String) -> RequestFrame { .line(ByteBuffer(string: text)) }
    static func line(bytes: [UInt8]) -> RequestFrame { .line(ByteBuffer(bytes: bytes)) }
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Every way the table feeds one input: whole, one byte at a time, CR and
    /// LF in separate writes, each single split point, and random splits.
    static func chunkings(of input: [UInt8]) -> [(name: String, chunks: [[UInt8]])] {
        var result: [(String, [[UInt8]])] = [("whole", [input]), ("byte by byte", input.map { [$0] })]

        var crApart: [[UInt8]] = [[]]
        for byte in input {
            crApart[crApart.count - 1].append(byte)
            if byte == UInt8(ascii: "\r") { crApart.append([]) }
        }
        result.append(("CR and LF apart", crApart.filter { !$0.isEmpty }))

        if input.count > 1 {
            for split in 1..<input.count {
                result.append(("split at \(split)", [Array(input[..<split]), Array(input[split...])]))
            }
        }

        for seed in UInt64(1)...20 {
            var generator = SplitMix64(seed: seed)  // seeded, so a failing random split replays
            var chunks: [[UInt8]] = []
            var rest = input[...]
            while !rest.isEmpty {
                let size = Int.random(in: 1...max(1, min(rest.count, 7)), using: &generator)
                chunks.append(Array(rest.prefix(size)))
                rest = rest.dropFirst(size)
            }
            result.append(("random split, seed \(seed)", chunks))
        }
        return result
    }

    /// Feeds chunks to the bare decoder, as `ByteToMessageHandler` would:
    /// one growing buffer, `next` until it has nothing more, and now and then
    /// the read bytes discarded (the handler compacts its buffer).
    static func decode(_ chunks: [[UInt8]], maximumLength: Int) -> [RequestFrame] {
        var decoder = RequestDecoder(maximumLength: maximumLength)
        var buffer = ByteBuffer()
        var frames: [RequestFrame] = []
        for (index, chunk) in chunks.enumerated() {
            if index % 3 == 2 { buffer.discardReadBytes() }
            buffer.writeBytes(chunk)
            while let frame = decoder.next(&buffer) { frames.append(frame) }
        }
        return frames
    }

    /// Feeds chunks through a channel; returns the frames read before the end
    /// of input and those read after it.
    static func channelDecode(
        _ chunks: [[UInt8]], maximumLength: Int, end: End = .inputClosed
    ) throws -> (open: [RequestFrame], atClose: [RequestFrame]) {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RequestDecoder(maximumLength: maximumLength)))
        var open: [RequestFrame] = []
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(bytes: chunk))
            while let frame = try channel.readInbound(as: RequestFrame.self) { open.append(frame) }
        }
        var atClose: [RequestFrame] = []
        switch end {
        case .inputClosed:
            // A half-close: decodeLast with seenEOF, the channel stays open.
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            while let frame = try channel.readInbound(as: RequestFrame.self) { atClose.append(frame) }
            XCTAssertTrue(try channel.finish().isClean)
        case .close:
            // A full close: decodeLast from channelInactive.
            try channel.close().wait()
            while let frame = try channel.readInbound(as: RequestFrame.self) { atClose.append(frame) }
            XCTAssertTrue(try channel.finish(acceptAlreadyClosed: true).isClean)
        }
        return (open, atClose)
    }

    enum End { case inputClosed, close }

    static func describe(_ frames: [RequestFrame]) -> String {
        frames.map {
            switch $0 {
            case .tooLong: return "<tooLong>"
            case .line(let buffer): return "line(\(Array(buffer.readableBytesView)))"
            }
        }.joined(separator: ", ")
    }

    // MARK: - The table

    static let table: [Case] = {
        let limit = 32
        let atLimit = String(repeating: "é", count: limit / 2)  // 32 bytes of UTF-8
        let overLimit = atLimit + "x"  // 33 bytes
        return [
            Case(name: "one line", input: bytes("PING\n"), maximumLength: limit, frames: [line("PING")]),
            Case(
                name: "LF and CR LF mixed",
                input: bytes("ping\r\nSEARCH limit=5 grève\nCOUNT \"prix du pain\"\r\n"), maximumLength: limit,
                frames: [line("ping"), line("SEARCH limit=5 grève"), line("COUNT \"prix du pain\"")]),
            Case(name: "empty line", input: bytes("\n"), maximumLength: limit, frames: [line("")]),
            Case(name: "empty CR LF line", input: bytes("\r\n"), maximumLength: limit, frames: [line("")]),
            Case(
                name: "empty lines between requests", input: bytes("\n\r\nHELP\n\n"), maximumLength: limit,
                frames: [line(""), line(""), line("HELP"), line("")]),
            Case(name: "lone CR inside a line", input: bytes("a\rb\n"), maximumLength: limit, frames: [line("a\rb")]),
            Case(
                name: "only the CR before LF is removed", input: bytes("STATS\r\r\n"), maximumLength: limit,
                frames: [line("STATS\r")]),
            Case(
                name: "tabs and spaces are kept", input: bytes("  SUGGEST\tlimit=3  boulan \n"),
                maximumLength: limit, frames: [line("  SUGGEST\tlimit=3  boulan ")]),
            Case(
                name: "last line without LF", input: bytes("PING\nCOUNT marché"), maximumLength: limit,
                frames: [line("PING")], atClose: [line("COUNT marché")]),
            Case(
                name: "last line without LF, at the limit", input: bytes(atLimit), maximumLength: limit,
                frames: [], atClose: [line(atLimit)]),
            Case(
                name: "last line without LF, over the limit", input: bytes(overLimit), maximumLength: limit,
                frames: [.tooLong]),
            Case(
                name: "last line without LF, at the limit plus a lone CR", input: bytes(atLimit + "\r"),
                maximumLength: limit, frames: [], atClose: [.tooLong]),
            Case(
                name: "invalid UTF-8 passes through as bytes",
                input: [0x53, 0x45, 0x41, 0x52, 0x43, 0x48, 0x20, 0x63, 0x61, 0x66, 0xE9, 0x0A, 0xFF, 0xFE, 0xC3, 0x0A],
                maximumLength: limit,
                frames: [line(bytes: [0x53, 0x45, 0x41, 0x52, 0x43, 0x48, 0x20, 0x63, 0x61, 0x66, 0xE9]),
                         line(bytes: [0xFF, 0xFE, 0xC3])]),
            Case(
                name: "a NUL byte is just a byte", input: [0x41, 0x00, 0x42, 0x0A], maximumLength: limit,
                frames: [line(bytes: [0x41, 0x00, 0x42])]),
            Case(name: "exactly at the limit, LF", input: bytes(atLimit + "\n"), maximumLength: limit, frames: [line(atLimit)]),
            Case(
                name: "exactly at the limit, CR LF", input: bytes(atLimit + "\r\n"), maximumLength: limit,
                frames: [line(atLimit)]),
            Case(name: "one byte over, LF", input: bytes(overLimit + "\n"), maximumLength: limit, frames: [.tooLong]),
            Case(name: "one byte over, CR LF", input: bytes(overLimit + "\r\n"), maximumLength: limit, frames: [.tooLong]),
            Case(
                name: "lines before an overlong one are kept, nothing after it",
                input: bytes("PING\nCOUNT neige\n" + String(repeating: "z", count: 100) + "\nPING\nQUIT\n"),
                maximumLength: limit, frames: [line("PING"), line("COUNT neige"), .tooLong]),
            Case(
                name: "an overlong line that ends at close still is too long, once",
                input: bytes("HELP\n" + String(repeating: "a", count: 50)), maximumLength: limit,
                frames: [line("HELP"), .tooLong]),
        ]
    }()

    // MARK: - Pure decoding logic

    func testTableWithTheBareDecoderInEveryChunking() {
        for row in Self.table {
            for chunking in Self.chunkings(of: row.input) {
                let frames = Self.decode(chunking.chunks, maximumLength: row.maximumLength)
                XCTAssertEqual(
                    frames, row.frames,
                    "\(row.name), \(chunking.name): got \(Self.describe(frames)), wanted \(Self.describe(row.frames))")
            }
        }
    }

    func testIncompleteLineWaitsForMoreBytes() {
        var decoder = RequestDecoder(maximumLength: 100)
        var buffer = ByteBuffer(string: "SEARCH pâtisse")
        XCTAssertNil(decoder.next(&buffer))
        XCTAssertEqual(buffer.readableBytes, 14 + 1, "nothing consumed yet (â is two bytes)")
        buffer.writeString("rie\r")
        XCTAssertNil(decoder.next(&buffer))
        buffer.writeString("\nPI")
        XCTAssertEqual(decoder.next(&buffer), Self.line("SEARCH pâtisserie"))
        XCTAssertNil(decoder.next(&buffer))
        XCTAssertEqual(buffer.readableBytes, 2, "the start of the next line stays in the buffer")
        buffer.writeString("NG\n")
        XCTAssertEqual(decoder.next(&buffer), Self.line("PING"))
        XCTAssertEqual(buffer.readableBytes, 0)
    }

    func testLinesAreSlicesWithoutTheirEnding() {
        var decoder = RequestDecoder(maximumLength: 100)
        var buffer = ByteBuffer(string: "COUNT bœuf\r\nHELP\n")
        guard case .line(let first) = decoder.next(&buffer) else { return XCTFail("no line") }
        XCTAssertEqual(first.readableBytes, "COUNT bœuf".utf8.count)
        XCTAssertEqual(String(buffer: first), "COUNT bœuf")
        XCTAssertEqual(decoder.next(&buffer), Self.line("HELP"))
        XCTAssertNil(decoder.next(&buffer))
    }

    func testLimitCountsBytesNotCharacters() {
        // "ç" is two bytes: 5 of them are 10 bytes.
        var decoder = RequestDecoder(maximumLength: 9)
        var buffer = ByteBuffer(string: "ççççç\n")
        XCTAssertEqual(decoder.next(&buffer), .tooLong)
        var roomy = RequestDecoder(maximumLength: 10)
        buffer = ByteBuffer(string: "ççççç\n")
        XCTAssertEqual(roomy.next(&buffer), Self.line("ççççç"))
    }

    func testOverlongLineInPiecesIsReportedOnceAsSoonAsTheLimitIsPassed() {
        let limit = 64
        var decoder = RequestDecoder(maximumLength: limit)
        var buffer = ByteBuffer()
        var frames: [RequestFrame] = []
        var reportedAfter: Int?
        var fed = 0
        for byte in Self.bytes("SEARCH " + String(repeating: "anticonstitutionnellement ", count: 400)) {
            buffer.writeInteger(byte)
            fed += 1
            while let frame = decoder.next(&buffer) {
                frames.append(frame)
                if reportedAfter == nil { reportedAfter = fed }
            }
            // Never more than the limit plus one byte (a possible CR) held.
            XCTAssertLessThanOrEqual(buffer.readableBytes, limit + 1, "after \(fed) bytes")
        }
        XCTAssertEqual(frames, [.tooLong])
        XCTAssertEqual(reportedAfter, limit + 1, "reported with the first byte past the limit")

        // The rest of the line, and whole requests after it, are dropped.
        buffer.writeString("\nPING\nSTATS\r\n")
        XCTAssertNil(decoder.next(&buffer))
        XCTAssertEqual(buffer.readableBytes, 0)
        buffer.writeBytes([UInt8](repeating: UInt8(ascii: "\n"), count: 10))
        XCTAssertNil(decoder.next(&buffer))
        XCTAssertEqual(buffer.readableBytes, 0)
    }

    func testACarriageReturnJustPastTheLimitWaitsForItsLineFeed() {
        let limit = 8
        let full = String(repeating: "a", count: limit)

        var decoder = RequestDecoder(maximumLength: limit)
        var buffer = ByteBuffer(string: full + "\r")
        XCTAssertNil(decoder.next(&buffer), "may still be CR LF")
        buffer.writeString("\n")
        XCTAssertEqual(decoder.next(&buffer), Self.line(full))

        decoder = RequestDecoder(maximumLength: limit)
        buffer = ByteBuffer(string: full + "\r")
        XCTAssertNil(decoder.next(&buffer))
        buffer.writeString("b")
        XCTAssertEqual(decoder.next(&buffer), .tooLong, "the CR was part of the line after all")

        decoder = RequestDecoder(maximumLength: limit)
        buffer = ByteBuffer(string: full + "b")
        XCTAssertEqual(decoder.next(&buffer), .tooLong, "no LF can make this line fit")
    }

    func testOverlongLineArrivingWholeIsDroppedWithWhatFollows() {
        var decoder = RequestDecoder(maximumLength: 16)
        var buffer = ByteBuffer(string: "PING\n" + String(repeating: "x", count: 10_000) + "\nPING\n")
        XCTAssertEqual(decoder.next(&buffer), Self.line("PING"))
        XCTAssertEqual(decoder.next(&buffer), .tooLong)
        XCTAssertEqual(buffer.readableBytes, 0)
        XCTAssertNil(decoder.next(&buffer))
    }

    func testEmptyBufferYieldsNothing() {
        var decoder = RequestDecoder(maximumLength: 16)
        var buffer = ByteBuffer()
        XCTAssertNil(decoder.next(&buffer))
        XCTAssertNil(decoder.next(&buffer))
    }

    // MARK: - Through a channel

    func testTableThroughAChannelInEveryChunking() throws {
        for row in Self.table {
            for chunking in Self.chunkings(of: row.input) {
                let (open, atClose) = try Self.channelDecode(chunking.chunks, maximumLength: row.maximumLength)
                let context = "\(row.name), \(chunking.name)"
                XCTAssertEqual(open, row.frames, "\(context): got \(Self.describe(open))")
                XCTAssertEqual(atClose, row.atClose, "\(context) at close: got \(Self.describe(atClose))")
            }
        }
    }

    func testTableThroughAChannelClosedOutright() throws {
        for row in Self.table {
            for chunking in Self.chunkings(of: row.input).prefix(3) {
                let (open, atClose) = try Self.channelDecode(
                    chunking.chunks, maximumLength: row.maximumLength, end: .close)
                let context = "\(row.name), \(chunking.name)"
                XCTAssertEqual(open, row.frames, "\(context): got \(Self.describe(open))")
                XCTAssertEqual(atClose, row.atClose, "\(context) at close: got \(Self.describe(atClose))")
            }
        }
    }

    func testEachLineIsReadAsSoonAsItsLineFeedArrives() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RequestDecoder(maximumLength: 64)))
        try channel.writeInbound(ByteBuffer(string: "SEARCH offset=10 "))
        XCTAssertNil(try channel.readInbound(as: RequestFrame.self))
        try channel.writeInbound(ByteBuffer(string: "crème brûlée\r"))
        XCTAssertNil(try channel.readInbound(as: RequestFrame.self))
        try channel.writeInbound(ByteBuffer(string: "\nPI"))
        XCTAssertEqual(try channel.readInbound(as: RequestFrame.self), Self.line("SEARCH offset=10 crème brûlée"))
        XCTAssertNil(try channel.readInbound(as: RequestFrame.self))
        try channel.writeInbound(ByteBuffer(string: "NG\nHELP\nQUIT\n"))
        XCTAssertEqual(try channel.readInbound(as: RequestFrame.self), Self.line("PING"))
        XCTAssertEqual(try channel.readInbound(as: RequestFrame.self), Self.line("HELP"))
        XCTAssertEqual(try channel.readInbound(as: RequestFrame.self), Self.line("QUIT"))
        XCTAssertNil(try channel.readInbound(as: RequestFrame.self))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testOverlongLineThroughAChannelIsReportedOnceAndEndsTheInput() throws {
        let limit = 100
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RequestDecoder(maximumLength: limit)))
        try channel.writeInbound(ByteBuffer(string: "COUNT grève\n"))
        XCTAssertEqual(try channel.readInbound(as: RequestFrame.self), Self.line("COUNT grève"))

        // A line arriving ten bytes at a time: reported with the write that passes the limit.
        var sent = 0
        var reportedAfter: Int?
        var frames: [RequestFrame] = []
        while sent < 5_000 {
            try channel.writeInbound(ByteBuffer(string: String(repeating: "m", count: 10)))
            sent += 10
            while let frame = try channel.readInbound(as: RequestFrame.self) {
                frames.append(frame)
                if reportedAfter == nil { reportedAfter = sent }
            }
        }
        XCTAssertEqual(frames, [.tooLong])
        XCTAssertEqual(reportedAfter, limit + 10)

        try channel.writeInbound(ByteBuffer(string: "\nPING\nSTATS\n"))
        XCTAssertNil(try channel.readInbound(as: RequestFrame.self))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        XCTAssertNil(try channel.readInbound(as: RequestFrame.self))
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testLastLineAtHalfCloseThenNothingMore() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RequestDecoder(maximumLength: 64)))
        try channel.writeInbound(ByteBuffer(string: "PING\nSUGGEST limit=5 fromag"))
        XCTAssertEqual(try channel.readInbound(as: RequestFrame.self), Self.line("PING"))
        XCTAssertNil(try channel.readInbound(as: RequestFrame.self))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        XCTAssertEqual(try channel.readInbound(as: RequestFrame.self), Self.line("SUGGEST limit=5 fromag"))
        XCTAssertNil(try channel.readInbound(as: RequestFrame.self))
        // The close that follows has nothing left to deliver.
        XCTAssertTrue(try channel.finish().isClean)
    }

    func testNothingAtCloseWhenEveryLineWasComplete() throws {
        let (open, atClose) = try Self.channelDecode([Self.bytes("PING\n")], maximumLength: 8)
        XCTAssertEqual(open, [Self.line("PING")])
        XCTAssertEqual(atClose, [])
        let (_, atClose2) = try Self.channelDecode([Self.bytes("PING\n")], maximumLength: 8, end: .close)
        XCTAssertEqual(atClose2, [])
    }
}
