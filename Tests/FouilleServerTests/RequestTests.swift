import XCTest

@testable import FouilleServer

/// Request lines → `Request`: verbs, options, the query as typed, and errors.
final class RequestTests: XCTestCase {
    // MARK: - Helpers

    /// The error `parse` throws, or nil (with a failure) when it parses.
    func parseError(
        _ line: String, maximumLimit: Int = 1000, file: StaticString = #filePath, line number: UInt = #line
    ) -> ProtocolError? {
        do throws(ProtocolError) {
            let request = try Request.parse(line, maximumLimit: maximumLimit)
            XCTFail("\(line.debugDescription) parsed as \(request), wanted an error", file: file, line: number)
            return nil
        } catch {
            return error
        }
    }

    func assertParses(
        _ line: String, as expected: Request, maximumLimit: Int = 1000,
        file: StaticString = #filePath, line number: UInt = #line
    ) {
        do throws(ProtocolError) {
            let request = try Request.parse(line, maximumLimit: maximumLimit)
            XCTAssertEqual(request, expected, line.debugDescription, file: file, line: number)
        } catch {
            XCTFail("\(line.debugDescription): \(error)", file: file, line: number)
        }
    }

    func assertError(
        _ line: String, _ code: ErrorCode, messageContains fragment: String? = nil, maximumLimit: Int = 1000,
        file: StaticString = #filePath, line number: UInt = #line
    ) {
        guard let error = parseError(line, maximumLimit: maximumLimit, file: file, line: number) else { return }
        XCTAssertEqual(error.code, code, "\(line.debugDescription): \(error)", file: file, line: number)
        if let fragment {
            XCTAssertTrue(
                error.message.contains(fragment), "\(line.debugDescription): \(error.message.debugDescription)",
                file: file, line: number)
        }
    }

    /// The same word in several cases: as is, lower, capitalised, alternating.
    static func casings(_ word: String) -> [String] {
        let alternating = String(word.enumerated().map { $0.offset % 2 == 0 ? Character($0.element.lowercased()) : $0.element })
        return [word.uppercased(), word.lowercased(), word.capitalized, alternating]
    }

    // MARK: - Verbs

    func testVerbsWithoutArgumentsInAnyCase() {
        let verbs: [(String, Request)] = [
            ("PING", .ping), ("STATS", .stats), ("RELOAD", .reload), ("HELP", .help), ("QUIT", .quit),
        ]
        for (verb, request) in verbs {
            for spelling in Self.casings(verb) {
                assertParses(spelling, as: request)
                assertParses("  \(spelling)", as: request)
                assertParses("\(spelling) \t ", as: request)
                assertParses("\t\(spelling)\t", as: request)
            }
        }
    }

    func testVerbsWithArgumentsInAnyCase() {
        for spelling in Self.casings("SEARCH") {
            assertParses("\(spelling) vendanges tardives", as: .search(query: "vendanges tardives", limit: 10, offset: 0))
        }
        for spelling in Self.casings("COUNT") {
            assertParses("\(spelling) grève SNCF", as: .count(query: "grève SNCF"))
        }
        for spelling in Self.casings("SUGGEST") {
            assertParses("\(spelling) boulang", as: .suggest(prefix: "boulang", limit: 10))
        }
    }

    func testEveryVerbOfHelpParses() {
        XCTAssertEqual(Request.verbs.map(\.verb), ["PING", "SEARCH", "COUNT", "SUGGEST", "STATS", "RELOAD", "HELP", "QUIT"])
        for entry in Request.verbs {
            XCTAssertTrue(entry.syntax.hasPrefix(entry.verb), entry.syntax)
            XCTAssertNoThrow(try Request.parse(entry.verb.lowercased() + " ", maximumLimit: 1000), entry.verb)
        }
    }

    func testVerbsWithoutArgumentsRejectArguments() {
        assertError("PING maintenant", .badArgument, messageContains: "PING takes no arguments")
        assertError("quit tout de suite", .badArgument, messageContains: "QUIT takes no arguments")
        assertError("Stats détaillées", .badArgument, messageContains: "STATS")
        assertError("RELOAD 3", .badArgument)
        assertError("help search", .badArgument)
        assertError("PING\t-", .badArgument)
    }

    func testTheVerbEndsAtASpaceOrTabOnly() {
        // "PING," is not PING: the verb is the whole first word.
        assertError("PING,", .unknownCommand)
        assertError("SEARCH:été", .unknownCommand)
        assertParses("SEARCH\tété indien", as: .search(query: "été indien", limit: 10, offset: 0))
    }

    func testEmptyRequest() {
        assertError("", .unknownCommand, messageContains: "empty request")
        assertError("   ", .unknownCommand, messageContains: "empty request")
        assertError("\t \t", .unknownCommand, messageContains: "empty request")
    }

    func testUnknownVerb() {
        guard let error = parseError("CHERCHER fromage") else { return }
        XCTAssertEqual(error.code, .unknownCommand)
        XCTAssertEqual(error.message, "CHERCHER (try HELP)")
        XCTAssertFalse(error.code.closesConnection)
    }

    func testLongUnknownVerbIsShortenedInTheMessage() {
        let verb = String(repeating: "abracadabra", count: 1000)
        guard let error = parseError(verb + " et la suite") else { return }
        XCTAssertEqual(error.code, .unknownCommand)
        let shown = String(verb.uppercased().prefix(40)) + "…"
        XCTAssertEqual(error.message, "\(shown) (try HELP)")
        XCTAssertLessThan(error.message.count, 60)

        // 40 characters exactly are shown whole.
        let forty = String(repeating: "X", count: 40)
        XCTAssertEqual(parseError(forty)?.message, "\(forty) (try HELP)")
        XCTAssertEqual(parseError(forty + "Y")?.message, "\(forty)… (try HELP)")
    }

    // MARK: - SEARCH options

    func testSearchDefaults() {
        assertParses("SEARCH Corée du Nord", as: .search(query: "Corée du Nord", limit: 10, offset: 0))
        assertParses("SEARCH", as: .search(query: "", limit: 10, offset: 0))
    }

    func testSearchOptions() {
        assertParses(
            "SEARCH limit=5 offset=20 élections municipales",
            as: .search(query: "élections municipales", limit: 5, offset: 20))
        assertParses(
            "SEARCH offset=20 limit=5 élections municipales",
            as: .search(query: "élections municipales", limit: 5, offset: 20))
        assertParses("SEARCH offset=3 Lyon", as: .search(query: "Lyon", limit: 10, offset: 3))
        assertParses("SEARCH limit=0 Lyon", as: .search(query: "Lyon", limit: 0, offset: 0))
        assertParses("SEARCH offset=1000000 Lyon", as: .search(query: "Lyon", limit: 10, offset: 1_000_000))
        assertParses("SEARCH limit=7", as: .search(query: "", limit: 7, offset: 0))
    }

    func testOptionKeysAreCaseInsensitive() {
        assertParses("search LIMIT=4 Offset=8 marée noire", as: .search(query: "marée noire", limit: 4, offset: 8))
        assertParses("suggest Limit=3 chât", as: .suggest(prefix: "chât", limit: 3))
    }

    func testUnknownKeysAreQueryText() {
        assertParses("SEARCH prix=bas", as: .search(query: "prix=bas", limit: 10, offset: 0))
        assertParses("SEARCH limit=3 titre=Marseille", as: .search(query: "titre=Marseille", limit: 3, offset: 0))
        // An unknown key ends the options: what follows is text, even a known key.
        assertParses("SEARCH tri=date limit=3", as: .search(query: "tri=date limit=3", limit: 10, offset: 0))
        assertParses("SEARCH =5 vélo", as: .search(query: "=5 vélo", limit: 10, offset: 0))
        assertParses("SEARCH limites=5 vélo", as: .search(query: "limites=5 vélo", limit: 10, offset: 0))
        // SUGGEST knows no offset.
        assertParses("SUGGEST offset=2 pain", as: .suggest(prefix: "offset=2 pain", limit: 10))
    }

    func testOptionsAfterTheQueryAreQueryText() {
        assertParses("SEARCH château limit=5", as: .search(query: "château limit=5", limit: 10, offset: 0))
        assertParses(
            "SEARCH limit=2 château offset=4", as: .search(query: "château offset=4", limit: 2, offset: 0))
        assertParses("SUGGEST chou limit=2", as: .suggest(prefix: "chou limit=2", limit: 10))
    }

    func testCountTakesNoOptions() {
        assertParses("COUNT limit=5 fête", as: .count(query: "limit=5 fête"))
        assertParses("COUNT", as: .count(query: ""))
    }

    func testBadValues() {
        for value in ["abc", "", "-1", "1.5", "5x", "٣", "0x10", "1e3", "cinq"] {
            assertError("SEARCH limit=\(value) pluie", .badArgument, messageContains: "limit must be a whole number")
        }
        for value in ["abc", "-3", "1000001", "2.0"] {
            assertError("SEARCH offset=\(value) pluie", .badArgument, messageContains: "offset must be a whole number")
        }
        assertError("SUGGEST limit=0 pai", .badArgument, messageContains: "limit must be a whole number, 1 or more")
        assertError("SUGGEST limit=-2 pai", .badArgument)
        assertError("SEARCH limit=-1 pluie", .badArgument, messageContains: "0 or more, not -1")
        assertError("SEARCH offset=-1 pluie", .badArgument, messageContains: "from 0 to 1000000")
    }

    func testABadValueIsShortenedInTheMessage() {
        let value = String(repeating: "n", count: 500)
        guard let error = parseError("SEARCH limit=\(value) neige") else { return }
        XCTAssertEqual(error.code, .badArgument)
        XCTAssertTrue(error.message.hasSuffix("not " + String(repeating: "n", count: 20)), error.message)
    }

    func testLimitsAreCapped() {
        assertParses("SEARCH limit=1000 fleuve", as: .search(query: "fleuve", limit: 1000, offset: 0))
        assertParses("SEARCH limit=1001 fleuve", as: .search(query: "fleuve", limit: 1000, offset: 0))
        assertParses("SEARCH limit=5000000 fleuve", as: .search(query: "fleuve", limit: 1000, offset: 0))
        assertParses("SEARCH limit=51 fleuve", as: .search(query: "fleuve", limit: 50, offset: 0), maximumLimit: 50)
        assertParses("SEARCH limit=50 fleuve", as: .search(query: "fleuve", limit: 50, offset: 0), maximumLimit: 50)
        assertParses(
            "SEARCH limit=9223372036854775807 fleuve", as: .search(query: "fleuve", limit: 1000, offset: 0))
        // Past what an Int holds is still a whole number, 0 or more: capped too.
        assertParses(
            "SEARCH limit=99999999999999999999999999 fleuve", as: .search(query: "fleuve", limit: 1000, offset: 0))
        assertParses("SEARCH limit=000012 fleuve", as: .search(query: "fleuve", limit: 12, offset: 0))
        // SUGGEST has its own cap of 100.
        assertParses("SUGGEST limit=100 ber", as: .suggest(prefix: "ber", limit: 100))
        assertParses("SUGGEST limit=101 ber", as: .suggest(prefix: "ber", limit: 100))
        assertParses("SUGGEST limit=99999999999999999999999 ber", as: .suggest(prefix: "ber", limit: 100))
        // A huge offset is out of range, not capped.
        assertError("SEARCH offset=99999999999999999999999 fleuve", .badArgument)
    }

    func testDuplicateKeys() {
        assertError("SEARCH limit=5 limit=6 neige", .badArgument, messageContains: "limit given twice")
        assertError("SEARCH limit=5 LIMIT=5 neige", .badArgument, messageContains: "limit given twice")
        assertError("SEARCH offset=1 limit=2 offset=3 neige", .badArgument, messageContains: "offset given twice")
        assertError("SUGGEST limit=2 limit=3 nei", .badArgument, messageContains: "limit given twice")
        // Once the query has begun, a repeated key is text.
        assertParses(
            "SEARCH limit=5 neige limit=6", as: .search(query: "neige limit=6", limit: 5, offset: 0))
    }

    func testSpacingInTheQueryIsKept() {
        assertParses(
            "SEARCH   limit=5    la  tour   Eiffel  ", as: .search(query: "la  tour   Eiffel  ", limit: 5, offset: 0))
        assertParses("SEARCH\tlimit=5\tmots\tclés", as: .search(query: "mots\tclés", limit: 5, offset: 0))
        assertParses(
            "SEARCH « Les Misérables »  -film", as: .search(query: "« Les Misérables »  -film", limit: 10, offset: 0))
        assertParses("SEARCH \"prix du pain\" OR baguette", as: .search(query: "\"prix du pain\" OR baguette", limit: 10, offset: 0))
        assertParses("COUNT  l'été   dernier ", as: .count(query: "l'été   dernier "))
        assertParses("SUGGEST limit=3  aujourd'h", as: .suggest(prefix: "aujourd'h", limit: 3))
    }

    func testQueryCaseIsKept() {
        assertParses("search LIMIT=2 Saint-Étienne", as: .search(query: "Saint-Étienne", limit: 2, offset: 0))
        assertParses("count ÉCOLE", as: .count(query: "ÉCOLE"))
    }

    func testErrorsLeaveTheConnectionOpen() {
        for line in ["", "FOO", "PING x", "SEARCH limit=x y", "SEARCH limit=1 limit=2 y"] {
            XCTAssertEqual(parseError(line)?.code.closesConnection, false, line)
        }
    }
}
