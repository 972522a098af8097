@testable import FouilleIndex
import FouilleTestSupport
import Foundation
import XCTest

/// Seeded property-based fuzzing of the query parser against a real index:
/// hostile text in, and every query must run (no SQLite error, no crash, no
/// hang), with results that keep their invariants.
///
/// The budget is an iteration count, so a CI run does the same work every
/// time: `FOUILLE_FUZZ_ITERATIONS` (default 1,500), `FOUILLE_FUZZ_SEED`
/// (default 1) to explore other inputs, and `FOUILLE_FUZZ_SECONDS` to run for
/// a time instead (`scripts/fuzz`). A failure names its seed and iteration,
/// so it replays exactly.
final class QueryFuzzTests: XCTestCase {
    func testHostileQueriesAlwaysRunAgainstARealIndex() throws {
        let budget = FuzzBudget(defaultIterations: 1_500)
        let f = try IndexFixture(IndexFixture.news + Self.oddDocuments)
        let parser = QueryParser()
        var random = HostileText(seed: budget.seed)
        var queries = 0, nonEmpty = 0, hits = 0, slowest = 0.0
        var longest = 0
        while budget.more(queries) {
            let query = random.query()
            let context = "seed \(budget.seed), iteration \(queries): \(Self.shown(query))"
            queries += 1
            longest = max(longest, query.utf8.count)

            // The parser: bounded, and what it builds is well formed.
            let parsed = parser.parse(query)
            if let parsed {
                XCTAssertFalse(parsed.clauses.isEmpty, context)
                XCTAssertLessThanOrEqual(
                    parsed.clauses.reduce(0) { $0 + $1.alternatives.count } + parsed.excluded.count,
                    QueryParser.maximumTerms + 1, context)
                XCTAssertEqual(parsed.expression.utf8.filter { $0 == 0x22 }.count % 2, 0, "unbalanced quotes: \(context)")
                for term in parsed.clauses.flatMap(\.alternatives) + parsed.excluded {
                    XCTAssertFalse(term.terms.isEmpty, context)
                    XCTAssertFalse(term.text.unicodeScalars.contains { $0.value < 0x20 }, "control character kept: \(context)")
                }
            }

            // The index: every query runs, and the answer is consistent.
            let limit = random.int(in: 0...30), offset = random.int(in: 0...8)
            let started = Date()
            do {
                let results = try f.index.search(query, limit: limit, offset: offset)
                let total = try f.index.count(query)
                _ = try f.index.suggestions(for: query, limit: random.int(in: 1...20))
                XCTAssertEqual(results.total, total, "COUNT and SEARCH disagree: \(context)")
                XCTAssertLessThanOrEqual(results.hits.count, limit, context)
                XCTAssertLessThanOrEqual(offset + results.hits.count, max(total, offset), context)
                XCTAssertEqual(results.hits.map(\.rank), Array((offset + 1)..<(offset + 1 + results.hits.count)), context)
                for (a, b) in zip(results.hits, results.hits.dropFirst()) {
                    XCTAssertGreaterThanOrEqual(a.score, b.score - 1e-9, "scores must fall with rank: \(context)")
                }
                if parsed == nil { XCTAssertEqual(total, 0, context) }
                if total > 0 { nonEmpty += 1 }
                hits += results.hits.count
            } catch {
                XCTFail("\(error) for \(context)")
            }
            let seconds = Date().timeIntervalSince(started)
            slowest = max(slowest, seconds)
            XCTAssertLessThan(seconds, 5, "a query took \(seconds) s: \(context)")
        }
        XCTAssertEqual(try f.index.documentCount(), IndexFixture.news.count + Self.oddDocuments.count, "nothing was changed")
        print("query fuzz: seed \(budget.seed), \(queries) queries (longest \(longest) bytes), \(nonEmpty) matched something, \(hits) hits, slowest \(String(format: "%.1f", slowest * 1000)) ms, \(String(format: "%.1f", budget.elapsed)) s")
        // Without matches the fuzzing would only exercise the empty path.
        XCTAssertGreaterThan(nonEmpty, queries / 20)
    }

    /// Found by the fuzzing above: `OR` alternatives were not counted, so
    /// `a OR b OR c …` became one FTS5 query of hundreds of terms, past the
    /// 32 the README promises.
    func testAlternativesCountTowardsTheTermLimit() {
        let words = (0..<300).map { "mot\($0)" }
        for separator in [" OR ", " OR -", " "] {
            let query = QueryParser().parse(words.joined(separator: separator))
            let terms = (query?.clauses.reduce(0) { $0 + $1.alternatives.count } ?? 0) + (query?.excluded.count ?? 0)
            XCTAssertEqual(terms, QueryParser.maximumTerms, separator)
        }
        let alternatives = QueryParser().parse(words.joined(separator: " OR "))?.clauses.first?.alternatives.count
        XCTAssertEqual(alternatives, QueryParser.maximumTerms)
    }

    /// Found by the fuzzing above: a `"` followed by a combining mark is one
    /// Character with it, so escaping quotes Character by Character missed it
    /// and a bare quote reached FTS5 (`fts5: syntax error near "\"`).
    func testAQuoteFollowedByACombiningMarkIsEscaped() throws {
        let f = try IndexFixture()
        for query in ["CORÉE\"\u{301}-\\\" corée*", "corée\"\u{301}", "\"\u{301}nord", "title:\"\u{301}corée\"", "\"\u{308}\u{301} x"] {
            XCTAssertNoThrow(try f.index.search(query), Self.shown(query))
            XCTAssertNoThrow(try f.index.count(query), Self.shown(query))
            XCTAssertNoThrow(try f.index.suggestions(for: query), Self.shown(query))
            if let expression = f.index.expression(for: query) {
                XCTAssertEqual(expression.utf8.filter { $0 == 0x22 }.count % 2, 0, expression)
            }
        }
        XCTAssertEqual(try f.index.count("corée\"\u{301}"), 1)
    }

    /// Documents holding what hostile queries look like, so that some match.
    static let oddDocuments: [(id: String, title: String, lead: String, body: String)] = [
        ("2025/10/near.txt", "NEAR, AND, OR et NOT : les mots d'une requête",
         "Un titre:colonne et des \"guillemets\" (entre parenthèses).",
         "Le signe ^ et l'étoile * ne sont que du texte ; le rang rowid non plus. 🙂 Straße ﬁn Ｐａｒｉｓ."),
        ("2025/10/nul.txt", "Caractères de contrôle", "Tabulation\tet retour", "La poésie d'Œdipe, l'été à Noël, ǅ et İ."),
    ]

    static func shown(_ text: String) -> String {
        let head = text.unicodeScalars.prefix(80).map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }
        return "\"" + head.joined() + (text.unicodeScalars.count > 80 ? "…\" (\(text.utf8.count) bytes)" : "\"")
    }
}
