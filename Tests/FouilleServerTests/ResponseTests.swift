import NIOCore
import XCTest

@testable import FouilleServer

/// Responses: data lines, one final `OK`/`ERR` line, one-line TAB-separated fields.
final class ResponseTests: XCTestCase {
    func encoded(_ response: Response) -> String {
        var buffer = ByteBuffer()
        response.encode(into: &buffer)
        return String(buffer: buffer)
    }

    // MARK: - Final lines

    func testOK() {
        XCTAssertEqual(Response.ok().final, "OK")
        XCTAssertEqual(Response.ok("PONG").final, "OK PONG")
        XCTAssertEqual(Response.ok("total=3 returned=3 took_ms=0.42").final, "OK total=3 returned=3 took_ms=0.42")
        XCTAssertEqual(Response.ok().lines, [])
    }

    func testErrorLineIsCodeThenMessage() {
        let response = Response.error(ProtocolError(.badArgument, "limit must be a whole number, 0 or more, not beaucoup"))
        XCTAssertEqual(response.final, "ERR bad_argument limit must be a whole number, 0 or more, not beaucoup")
        XCTAssertEqual(response.lines, [])
        XCTAssertEqual(encoded(response), "ERR bad_argument limit must be a whole number, 0 or more, not beaucoup\n")
    }

    func testEveryErrorCodeOnTheWire() {
        let expected: [ErrorCode: String] = [
            .unknownCommand: "unknown_command", .badArgument: "bad_argument", .badQuery: "bad_query",
            .badEncoding: "bad_encoding", .lineTooLong: "line_too_long", .notFound: "not_found", .busy: "busy",
            .timeout: "timeout", .shuttingDown: "shutting_down", .internal: "internal",
        ]
        XCTAssertEqual(Set(ErrorCode.allCases), Set(expected.keys), "every code of the spec, no other")
        for code in ErrorCode.allCases {
            let final = Response.error(ProtocolError(code, "un message")).final
            XCTAssertEqual(final, "ERR \(expected[code]!) un message")
            XCTAssertEqual(ErrorCode(rawValue: expected[code]!), code)
        }
    }

    func testErrorMessageIsKeptOnOneLine() {
        let response = Response.error(ProtocolError(.internal, "échec\nde la requête\r\n\tSQLite"))
        XCTAssertEqual(response.final, "ERR internal échec de la requête   SQLite")
        XCTAssertEqual(encoded(response).filter { $0 == "\n" || $0 == "\r\n" }.count, 1)
        XCTAssertFalse(encoded(response).contains("\t"))
    }

    func testProtocolErrorDescription() {
        XCTAssertEqual(ProtocolError(.notFound, "aucun index").description, "not_found aucun index")
    }

    // MARK: - Closing the connection

    func testOnlyLineTooLongAndShuttingDownClose() {
        for code in ErrorCode.allCases {
            let closes = code == .lineTooLong || code == .shuttingDown
            XCTAssertEqual(code.closesConnection, closes, code.rawValue)
            XCTAssertEqual(Response.error(ProtocolError(code, "x")).closesConnection, closes, code.rawValue)
        }
    }

    func testOKClosesOnlyWhenAsked() {
        XCTAssertFalse(Response.ok().closesConnection)
        XCTAssertFalse(Response.ok("PONG").closesConnection)
        XCTAssertFalse(Response.ok(lines: ["HELP\tPING\tx"]).closesConnection)
        XCTAssertTrue(Response.ok("BYE", close: true).closesConnection)
    }

    // MARK: - Data lines

    func testDataLineJoinsFieldsWithOneTab() {
        XCTAssertEqual(Response.dataLine(["TERM", "boulangerie", "42"]), "TERM\tboulangerie\t42")
        XCTAssertEqual(Response.dataLine(["STAT", "documents", "1234"]), "STAT\tdocuments\t1234")
        XCTAssertEqual(Response.dataLine(["A"]), "A")
        XCTAssertEqual(Response.dataLine([]), "")
        // Empty fields keep their place.
        XCTAssertEqual(Response.dataLine(["HIT", "", "x"]), "HIT\t\tx")
    }

    func testTabsAndLineBreaksInFieldsBecomeSpaces() {
        XCTAssertEqual(
            Response.dataLine(["STAT", "index_path", "/var/lib/fouille/été\t2024\n"]),
            "STAT\tindex_path\t/var/lib/fouille/été 2024 ")
        // CR LF is two characters on the wire: two spaces.
        XCTAssertEqual(Response.dataLine(["TITRE", "La Marseillaise\r\ncouplet 1"]), "TITRE\tLa Marseillaise  couplet 1")
        XCTAssertEqual(Response.dataLine(["X", "\r"]), "X\t ")
        XCTAssertEqual(Response.dataLine(["X", "\t\t"]), "X\t  ")
        // Every field keeps its length in characters except for CR LF pairs.
        let field = "Noël\tà\rParis\n"
        XCTAssertEqual(Response.dataLine([field]).unicodeScalars.count, field.unicodeScalars.count)
    }

    func testFieldsWithoutSpecialCharactersAreUnchanged() {
        for text in ["", "crème brûlée", "œuvre « complète »", "👩‍🍳 chef", "a\u{0301}", "\u{2028}"] {
            XCTAssertEqual(Response.field(text), text)
        }
    }

    func testSanitisedLinesNeverSplitOrAddFields() {
        let fields = ["HIT", "1", "3.1416", "doc\t7", "Le\nMonde", "…[grève]\r\n…"]
        let line = Response.dataLine(fields)
        XCTAssertEqual(line.split(separator: "\t", omittingEmptySubsequences: false).count, fields.count)
        XCTAssertFalse(line.contains("\n"))
        XCTAssertFalse(line.unicodeScalars.contains("\r"))
    }

    // MARK: - Encoding

    func testEncodingEndsEveryLineWithLF() {
        let response = Response.ok(
            "returned=2", lines: [Response.dataLine(["TERM", "fromage", "12"]), Response.dataLine(["TERM", "fromagerie", "3"])])
        XCTAssertEqual(encoded(response), "TERM\tfromage\t12\nTERM\tfromagerie\t3\nOK returned=2\n")
    }

    func testEncodingAppendsToTheBuffer() {
        var buffer = ByteBuffer(string: "OK PONG\n")
        Response.ok("BYE", close: true).encode(into: &buffer)
        XCTAssertEqual(String(buffer: buffer), "OK PONG\nOK BYE\n")
    }

    func testEncodingIsUTF8() {
        var buffer = ByteBuffer()
        Response.ok(lines: [Response.dataLine(["TERM", "été", "1"])]).encode(into: &buffer)
        XCTAssertEqual(Array(buffer.readableBytesView), Array("TERM\tété\t1\nOK\n".utf8))
        XCTAssertEqual(buffer.readableBytes, 16)
    }

    func testEncodedByteCountIsWhatEncodingWrites() {
        let responses: [Response] = [
            .ok(), .ok("PONG"),
            .ok("total=2", lines: [Response.dataLine(["HIT", "1", "2.5000", "a", "Œuvre d'été", "[œuvre]"]), "x"]),
            .error(ProtocolError(.timeout, "trop long\tvraiment")),
        ]
        for response in responses {
            var buffer = ByteBuffer()
            response.encode(into: &buffer)
            XCTAssertEqual(response.encodedByteCount, buffer.readableBytes)
        }
    }

    func testEveryEncodedResponseHasExactlyOneFinalLine() {
        let responses: [Response] = [
            .ok(), .ok("PONG"), .ok("BYE", close: true),
            .ok(lines: Request.verbs.map { Response.dataLine(["HELP", $0.syntax, $0.summary]) }),
            .error(ProtocolError(.timeout, "the query ran past the 2 seconds limit")),
            .error(ProtocolError(.lineTooLong, "requests are limited to 65536 bytes")),
        ]
        for response in responses {
            let lines = encoded(response).split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertEqual(lines.last, "", "ends with LF")
            let body = lines.dropLast()
            XCTAssertEqual(body.count, response.lines.count + 1)
            XCTAssertEqual(body.filter { $0.hasPrefix("OK") || $0.hasPrefix("ERR") }.count, 1)
            XCTAssertTrue(body.last!.hasPrefix("OK") || body.last!.hasPrefix("ERR "))
        }
    }

    func testHelpLinesHaveThreeFields() {
        for verb in Request.verbs {
            let line = Response.dataLine(["HELP", verb.syntax, verb.summary])
            XCTAssertEqual(line.split(separator: "\t", omittingEmptySubsequences: false).count, 3, line)
        }
    }
}
