@testable import FouilleIndex
import XCTest

/// User text → FTS5 expression: every piece quoted, nothing raw.
final class QueryParserTests: XCTestCase {
    let parser = QueryParser()

    func testPlainWordsAreQuotedAndJoinedWithAND() {
        XCTAssertEqual(parser.parse("Corée du Nord")?.expression, "(\"Corée\" AND \"Nord\")")
        XCTAssertEqual(parser.parse("  l'Ukraine, ")?.expression, "\"l'Ukraine,\"")
    }

    func testOperators() {
        XCTAssertEqual(parser.parse("\"corée du nord\"")?.expression, "\"corée du nord\"")
        XCTAssertEqual(parser.parse("coop*")?.expression, "\"coop\" *")
        XCTAssertEqual(parser.parse("russie -ukraine")?.expression, "\"russie\" NOT (\"ukraine\")")
        XCTAssertEqual(parser.parse("russie OR ukraine")?.expression, "(\"russie\" OR \"ukraine\")")
        XCTAssertEqual(parser.parse("title:corée")?.expression, "title : \"corée\"")
        XCTAssertEqual(parser.parse("Lead:\"banque centrale\"")?.expression, "lead : \"banque centrale\"")
        XCTAssertEqual(parser.parse("russie AND ukraine")?.expression, "(\"russie\" AND \"ukraine\")")
    }

    func testDecomposedAccentsAndUnusualSpacesSplitAsTyped() {
        // A combining accent stays in its word; no-break and ideographic spaces separate words.
        let decomposed = parser.parse("Core\u{301}e du\u{00A0}Nord\u{3000}-Se\u{301}oul")
        let composed = parser.parse("Corée du Nord -Séoul")
        XCTAssertEqual(decomposed?.clauses.map { $0.alternatives.map(\.terms) }, composed?.clauses.map { $0.alternatives.map(\.terms) })
        XCTAssertEqual(decomposed?.excluded.map(\.terms), composed?.excluded.map(\.terms))
        XCTAssertEqual(decomposed?.excluded.count, 1)
    }

    func testCompoundWordsBecomePhrases() {
        let query = parser.parse("États-Unis")
        XCTAssertEqual(query?.clauses.first?.alternatives.first?.kind, .phrase)
        XCTAssertEqual(query?.clauses.first?.alternatives.first?.terms, ["etat", "unis"])
    }

    func testAMultiWordPrefixKeepsOnlyItsLastWordAsPrefix() {
        XCTAssertEqual(parser.parse("États-Un*")?.expression, "(\"États-\" AND \"Un\" *)")
    }

    func testQuotesInsideWordsCannotEscape() {
        let expression = parser.parse("co\"ree OR x\"\" NEAR(a b)")?.expression ?? ""
        XCTAssertFalse(expression.contains("NEAR("))
        // Every double quote is either a delimiter or doubled inside one.
        XCTAssertEqual(expression.filter { $0 == "\"" }.count % 2, 0)
    }

    func testNothingSearchableIsNil() {
        for text in ["", "   ", "le la les", "*", "-", "\"\"", "OR", "AND OR", ":", "🙂", "-corée", ")("] {
            XCTAssertNil(parser.parse(text), text)
        }
    }

    func testUnbalancedQuoteIsPlainText() {
        XCTAssertEqual(parser.parse("\"corée du nord")?.expression, "(\"corée\" AND \"nord\")")
    }

    func testLongQueriesAreCappedNotRejected() {
        let query = parser.parse(String(repeating: "pluie ", count: 5000))
        XCTAssertEqual(query?.clauses.count, QueryParser.maximumTerms)
    }
}
