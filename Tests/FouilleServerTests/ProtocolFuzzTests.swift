import FouilleIndex
@testable import FouilleServer
import FouilleTestSupport
import Foundation
import NIOCore
import XCTest

/// Seeded property-based fuzzing of the protocol: the request decoder against
/// a model, request parsing, and hostile request lines through a real daemon
/// over a real index, each answer checked against what the protocol says.
///
/// Budgets are iteration counts (the same work on every run); see
/// ``FuzzBudget`` for `FOUILLE_FUZZ_ITERATIONS`, `FOUILLE_FUZZ_SEED` and
/// `FOUILLE_FUZZ_SECONDS` (`scripts/fuzz`). A failure names its seed and
/// iteration, so it replays exactly.
final class ProtocolFuzzTests: XCTestCase {
    override func setUp() {
        super.setUp()
        // The daemon may close a connection while a long line is still being
        // written to it: that must be a failed write, not a dead test process.
        signal(SIGPIPE, SIG_IGN)
    }

    // MARK: - The decoder against a model

    /// What the decoder must yield for `input` while the connection is open,
    /// whatever the chunking: each LF-ended line (one CR before the LF
    /// removed), until a line passes the limit, which is reported once and
    /// ends everything; a last unended line only when it already cannot fit.
    static func modelFrames(_ input: [UInt8], maximumLength: Int) -> [RequestFrame] {
        var frames: [RequestFrame] = []
        var start = 0
        while true {
            guard let newline = input[start...].firstIndex(of: 0x0A) else {
                let rest = input[start...]
                let over = rest.count - maximumLength
                if over > 1 || (over == 1 && rest.last != 0x0D) { frames.append(.tooLong) }
                return frames
            }
            var end = newline
            if end > start, input[end - 1] == 0x0D { end -= 1 }
            if end - start > maximumLength {
                frames.append(.tooLong)
                return frames
            }
            frames.append(.line(ByteBuffer(bytes: input[start..<end])))
            start = newline + 1
        }
    }

    func testTheDecoderAgreesWithItsModelOnRandomStreamsInRandomChunks() {
        let budget = FuzzBudget(defaultIterations: 4_000)
        var random = HostileText(seed: budget.seed)
        var streams = 0, bytesFed = 0, frames = 0
        while budget.more(streams) {
            let maximumLength = random.pick([1, 2, 8, 64, 200, 4096])
            var input: [UInt8] = []
            for _ in 0..<random.int(in: 0...12) {
                switch random.int(in: 0...4) {
                case 0: input += (0..<random.int(in: 0...300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                case 1: input += Array(random.query().utf8.prefix(5000))
                case 2: input += [UInt8](repeating: random.pick([0x0A, 0x0D, 0x00, 0x61]), count: random.int(in: 1...5))
                case 3: input += [UInt8](repeating: 0x78, count: max(0, maximumLength + random.int(in: -2...2))) + random.pick([[0x0A], [0x0D, 0x0A], [0x0D], []])
                default: input += Array("SEARCH limit=3 corée\r\n".utf8)
                }
            }
            let expected = Self.modelFrames(input, maximumLength: maximumLength)
            // Random chunks, the buffer compacted now and then, as ByteToMessageHandler does.
            var decoder = RequestDecoder(maximumLength: maximumLength)
            var buffer = ByteBuffer()
            var got: [RequestFrame] = []
            var rest = input[...]
            var writes = 0
            while !rest.isEmpty {
                let size = random.int(in: 1...max(1, min(rest.count, random.pick([1, 3, 17, 512, 70_000]))))
                buffer.writeBytes(rest.prefix(size))
                rest = rest.dropFirst(size)
                writes += 1
                if writes % 3 == 0 { buffer.discardReadBytes() }
                while let frame = decoder.next(&buffer) { got.append(frame) }
                XCTAssertLessThanOrEqual(buffer.readableBytes, maximumLength + 1, "the decoder holds at most one line")
            }
            XCTAssertEqual(got, expected, "seed \(budget.seed), stream \(streams), limit \(maximumLength), \(input.count) bytes")
            streams += 1
            bytesFed += input.count
            frames += got.count
        }
        print("decoder fuzz: seed \(budget.seed), \(streams) streams, \(bytesFed) bytes, \(frames) frames, \(String(format: "%.1f", budget.elapsed)) s")
    }

    // MARK: - Request parsing

    func testRequestParsingNeverFailsOutsideItsErrorsAndKeepsItsBounds() {
        let budget = FuzzBudget(defaultIterations: 5_000)
        var random = HostileText(seed: budget.seed)
        var lines = 0
        var outcomes: [String: Int] = [:]
        while budget.more(lines) {
            let bytes = random.requestLine(maximumLength: 65_536)
            lines += 1
            // Longer lines never reach the parser: the decoder refuses them.
            guard bytes.count <= 65_537 else { outcomes["line_too_long", default: 0] += 1; continue }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                outcomes["bad_encoding", default: 0] += 1
                continue
            }
            let context = "seed \(budget.seed), line \(lines - 1): \(text.prefix(80).debugDescription)"
            do throws(ProtocolError) {
                let request = try Request.parse(text, maximumLimit: 1000)
                outcomes["\(request)".prefix(while: { $0 != "(" }).description, default: 0] += 1
                switch request {
                case .search(_, let limit, let offset):
                    XCTAssertTrue((0...1000).contains(limit), context)
                    XCTAssertTrue((0...1_000_000).contains(offset), context)
                case .suggest(_, let limit):
                    XCTAssertTrue((1...100).contains(limit), context)
                default: break
                }
            } catch {
                outcomes[error.code.rawValue, default: 0] += 1
                XCTAssertTrue([.unknownCommand, .badArgument].contains(error.code), "\(error) for \(context)")
                XCTAssertLessThan(error.message.count, 200, "an error message echoes at most a little of the request: \(context)")
            }
        }
        print("request parse fuzz: seed \(budget.seed), \(lines) lines, \(outcomes.sorted { $0.key < $1.key }), \(String(format: "%.1f", budget.elapsed)) s")
    }

    // MARK: - Through a real daemon

    /// Every hostile line gets the answer the protocol promises: `ERR
    /// line_too_long` (and the connection closes) past the limit, `ERR
    /// bad_encoding` for invalid UTF-8, the parser's error for a bad request,
    /// and `OK` for every query, whatever its text: never `internal`,
    /// `bad_query` or `timeout`, which would mean user text reached SQLite
    /// in a form it refused or choked on.
    func testHostileRequestLinesGetTheAnswersTheProtocolPromises() async throws {
        let budget = FuzzBudget(defaultIterations: 2_000)
        let daemon = try await TestDaemon(TestDaemon.articles + Self.odd)
        var random = HostileText(seed: budget.seed)
        let maximumLength = 65_536
        var connection = try RawConnection(daemon.socketPath)
        var sent = 0, batches = 0, bytesSent = 0, errors = 0, reconnects = 0, hits = 0
        var finals: [String: Int] = [:]
        while budget.more(sent) {
            // A pipelined batch; one that ends the connection comes last.
            var batch: [([UInt8], Expected)] = []
            var size = 0
            let wanted = random.int(in: 1...24)
            while batch.count < wanted, size < 256 * 1024 {
                let line = random.requestLine(maximumLength: maximumLength)
                let expected = Expected(line, maximumLength: maximumLength)
                batch.append((line, expected))
                size += line.count + 1
                if expected.closes { break }
            }
            connection.send(batch.flatMap { $0.0 + [0x0A] })
            batches += 1
            bytesSent += size
            for (number, (line, expected)) in batch.enumerated() {
                let context = "seed \(budget.seed), request \(sent + number): \(String(decoding: line.prefix(80), as: UTF8.self).debugDescription) (\(line.count) bytes)"
                let response = connection.readResponse()
                guard let final = response.last, final.hasPrefix("OK") || final.hasPrefix("ERR") else {
                    XCTFail("no final line (\(response)) for \(context)")
                    break
                }
                finals[String(final.prefix { $0 != " " && $0 != "=" }.prefix(20)) + " " + expected.kind, default: 0] += 1
                let data = response.dropLast()
                if final.hasPrefix("ERR") { errors += 1 }
                hits += expected.check(final: final, data: Array(data), context: context)
            }
            sent += batch.count
            if let last = batch.last?.1, last.closes {
                XCTAssertTrue(connection.isClosedByServer, "seed \(budget.seed): the connection should be closed after request \(sent - 1)")
                connection = try RawConnection(daemon.socketPath)
                reconnects += 1
            }
        }
        // The daemon is unharmed, and it counted every error it sent.
        let client = try daemon.client()
        XCTAssertEqual(try client.send("PING").final, "OK PONG")
        XCTAssertEqual(try client.send("COUNT nickel").final, "OK 1")
        let stats = try client.send("STATS").lines
        XCTAssertTrue(stats.contains("STAT\terrors\t\(errors)"), "\(errors) errors sent; \(stats)")
        try await daemon.stop()
        print("daemon fuzz: seed \(budget.seed), \(sent) requests in \(batches) pipelined batches, \(bytesSent) bytes, \(reconnects) reconnections, \(hits) hits, \(errors) ERR; \(finals.sorted { $0.key < $1.key }), \(String(format: "%.1f", budget.elapsed)) s")
    }

    static let odd: [(id: String, title: String, lead: String, body: String)] = [
        ("2025/10/requete.txt", "NEAR, AND, OR et NOT : les mots d'une requête",
         "Un titre:colonne et des \"guillemets\" (entre parenthèses).",
         "Le signe ^ et l'étoile * ne sont que du texte ; limit=5 non plus. 🙂 Straße ﬁn Ｐａｒｉｓ."),
    ]

    /// What the protocol promises for one line.
    enum Expected {
        case answer(Request)
        case error(ErrorCode)

        init(_ bytes: [UInt8], maximumLength: Int) {
            var line = bytes[...]
            if line.last == 0x0D { line = line.dropLast() }
            guard line.count <= maximumLength else { self = .error(.lineTooLong); return }
            guard let text = String(validating: line, as: UTF8.self) else { self = .error(.badEncoding); return }
            do throws(ProtocolError) {
                self = .answer(try Request.parse(text, maximumLimit: 1000))
            } catch {
                self = .error(error.code)
            }
        }

        var closes: Bool {
            switch self {
            case .answer(let request): return request == .quit
            case .error(let code): return code.closesConnection
            }
        }

        var kind: String {
            switch self {
            case .answer(let request): return "\(request)".prefix { $0 != "(" }.description
            case .error(let code): return code.rawValue
            }
        }

        /// Checks an answer; returns the number of hits it held.
        func check(final: String, data: [String], context: String) -> Int {
            switch self {
            case .error(let code):
                XCTAssertTrue(final.hasPrefix("ERR \(code.rawValue) "), "wanted ERR \(code.rawValue), got \(final) for \(context)")
                XCTAssertEqual(data, [], context)
                return 0
            case .answer(let request):
                XCTAssertTrue(final.hasPrefix("OK"), "wanted OK, got \(final) for \(context)")
                for line in data {
                    XCTAssertFalse(line.hasPrefix("OK") || line.hasPrefix("ERR"), "a data line looks final: \(context)")
                    XCTAssertFalse(line.contains("\r"), context)
                }
                switch request {
                case .search(_, let limit, let offset):
                    let hits = data.compactMap(HitLine.init(line:))
                    XCTAssertEqual(hits.count, data.count, "malformed HIT line for \(context)")
                    XCTAssertLessThanOrEqual(hits.count, limit, context)
                    XCTAssertEqual(hits.map(\.rank), Array((offset + 1)..<(offset + 1 + hits.count)), context)
                    XCTAssertTrue(final.hasPrefix("OK total=") && final.contains(" returned=\(hits.count) took_ms="), "\(final) for \(context)")
                    return hits.count
                case .count:
                    XCTAssertNotNil(Int(final.dropFirst(3)), "\(final) for \(context)")
                    XCTAssertEqual(data, [], context)
                case .suggest(_, let limit):
                    XCTAssertLessThanOrEqual(data.count, limit, context)
                    XCTAssertTrue(data.allSatisfy { $0.hasPrefix("TERM\t") && $0.split(separator: "\t", omittingEmptySubsequences: false).count == 3 }, "\(data) for \(context)")
                    XCTAssertEqual(final, "OK returned=\(data.count)", context)
                case .ping: XCTAssertEqual(final, "OK PONG", context)
                case .quit: XCTAssertEqual(final, "OK BYE", context)
                case .reload: XCTAssertEqual(final, "OK generation=1", context)
                case .stats: XCTAssertTrue(data.allSatisfy { $0.hasPrefix("STAT\t") }, context)
                case .help: XCTAssertEqual(data.count, Request.verbs.count, context)
                }
                return 0
            }
        }
    }
}

extension HostileText {
    static let verbs = [
        "SEARCH", "search", "Search", "SEARCH", "COUNT", "count", "SUGGEST", "suggest", "PING", "STATS", "RELOAD",
        "HELP", "QUIT", "", "SEARCHX", "SEARC", "NEAR", "GET", "\u{0}SEARCH", "ＳＥＡＲＣＨ", "SEARCH\u{0}", "İNDEX",
        "sEaRcH", "\tSEARCH", "  COUNT", String(repeating: "VERB", count: 30),
    ]

    static let optionValues = [
        "", "0", "1", "10", "999", "1000", "1001", "1000000", "1000001", "-1", "-0", "+5", "05", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", String(repeating: "9", count: 400), "1e3", "0x10", "abc", "٣",
        "５", "=", "limit=1", "1\u{0}", "2\r",
    ]

    /// One request line without its LF: a request with options and hostile
    /// text, random bytes, invalid UTF-8, a line around the length limit, NULs.
    mutating func requestLine(maximumLength: Int) -> [UInt8] {
        func request() -> String {
            let verb = chance(60) ? pick(["SEARCH", "search", "COUNT", "SUGGEST", "Search"]) : pick(Self.verbs)
            var line = verb + pick([" ", " ", "  ", "\t", ""])
            for _ in 0..<int(in: 0...(chance(50) ? 0 : 3)) {
                line += pick(["limit", "offset", "LIMIT", "Offset", "lim", "limit", "offset"]) + "="
                    + pick(Self.optionValues) + pick([" ", "\t", " "])
            }
            return line + query()
        }
        var bytes: [UInt8]
        switch int(in: 0...99) {
        case 0..<60:
            bytes = Array(request().utf8)
        case 60..<70:
            bytes = (0..<int(in: 0...200)).map { _ in UInt8(truncatingIfNeeded: next()) }
        case 70..<82:
            // Invalid UTF-8 somewhere: stray continuation bytes, overlong
            // forms, surrogates, cut sequences, bytes never used.
            bytes = Array(request().utf8)
            for _ in 0..<int(in: 1...3) {
                let bad = pick([[0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF0, 0x9F],
                                [0xF5, 0x80, 0x80, 0x80], [0xFE], [0xFF], [0xC3], [0xE9]] as [[UInt8]])
                bytes.insert(contentsOf: bad, at: int(in: 0...bytes.count))
            }
        case 82..<92:
            // Around the length limit, a multi-byte character possibly across it.
            var line = Array(pick(["SEARCH ", "COUNT ", "SUGGEST ", "SEARCH limit=3 ", "FOO "]).utf8)
            let target = maximumLength + int(in: -3...2)
            let filler = Array(pick(["corée ", "a", "é", "🙂", "\"", "NEAR(", "x OR "]).utf8)
            while line.count + filler.count <= target { line += filler }
            while line.count < target { line.append(0x7A) }
            bytes = line
        default:
            bytes = Array(request().utf8)
            for _ in 0..<int(in: 1...4) {
                bytes.insert(pick([0x00, 0x01, 0x0D, 0x1B, 0x7F, 0x09, 0x0C]), at: int(in: 0...bytes.count))
            }
        }
        bytes = bytes.map { $0 == 0x0A ? 0x20 : $0 }
        if chance(5) { bytes.append(0x0D) }
        return bytes
    }
}
