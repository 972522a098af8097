@testable import FouilleIndex
import GRDB
import XCTest

/// `tier_rank()` and `match_positions()` (CFTS5Match.c) as the searcher
/// calls them: the shortcuts they take must not change what a search shows.
final class RankingFunctionTests: XCTestCase {
    /// Forty articles on the same subject; later ones say it more often, so
    /// the best rows come last and rows kept early are beaten later.
    private func fixture() throws -> IndexFixture {
        var documents: [(id: String, title: String, lead: String, body: String)] = []
        for i in 0..<40 {
            let repeated = String(repeating: " La tempête frappe encore le littoral breton.", count: 1 + i / 8)
            documents.append((
                "tempete-\(i).txt", "Bulletin météo numéro \(i)", "Vents forts attendus sur la côte",
                "Une tempête approche du littoral." + repeated + " Les pêcheurs restent au port de Brest."))
        }
        return try IndexFixture(documents)
    }

    func testEveryPageShowsTheMatchesOfItsHits() throws {
        let f = try fixture()
        for query in ["tempête littoral", "tempête sur le littoral breton, pêcheurs au port"] {
            let whole = try f.index.search(query, limit: 100)
            XCTAssertEqual(whole.hits.count, 40)
            var paged: [SearchHit] = []
            for offset in stride(from: 0, to: 40, by: 3) {
                paged += try f.index.search(query, limit: 3, offset: offset).hits
            }
            XCTAssertEqual(paged.map(\.id), whole.hits.map(\.id), query)
            XCTAssertEqual(paged.map(\.snippet), whole.hits.map(\.snippet), "same snippets on every page: \(query)")
            XCTAssertTrue(paged.allSatisfy { $0.snippet.marked.contains(Snippet.open) }, "every hit shows a match: \(query)")
        }
    }

    /// The searcher hands `tier_rank()` each phrase's document count from
    /// its plan; without one, the function counts them itself. Both must
    /// give the same ranks, and a wrong count must show.
    func testGivenDocumentCountsRankAsCountedOnes() throws {
        let f = try fixture()
        let expression = #"("tempête" OR "pêcheurs" OR "météo")"#
        let counts = try ["tempête", "pêcheurs", "météo"].map { word in
            try f.index.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", arguments: ["\"\(word)\""])!
            }
        }
        XCTAssertEqual(counts, [40, 40, 40])
        func ranks(_ map: String) throws -> [Double] {
            try f.index.read { db in
                try Double.fetchAll(
                    db, sql: "SELECT tier_rank(documents_fts, ?, 3, 1, 0, 10, 5, 1) FROM documents_fts WHERE documents_fts MATCH ? ORDER BY rowid",
                    arguments: [map, expression])
            }
        }
        let counted = try ranks("0,1,2")
        XCTAssertEqual(counted.count, 40)
        XCTAssertEqual(try ranks("0:40,1:40,2:40"), counted)
        XCTAssertNotEqual(try ranks("0:1,1:1,2:1"), counted, "the counts given are the ones used")
    }

    /// Rows that cannot reach the page get no positions; the rows of the
    /// page always do, whatever order the candidates come in.
    func testOnlyRowsThatCanReachThePageGetPositions() throws {
        let f = try fixture()
        let rows = try f.index.read { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT rowid, tier_rank(documents_fts, '0', 1, 1, 2, 10, 5, 1) AS rank, match_positions(documents_fts)
                    FROM documents_fts WHERE documents_fts MATCH '"tempête"'
                    """)
        }
        XCTAssertEqual(rows.count, 40)
        let withPositions = rows.filter { !($0[2] as Data).isEmpty }
        XCTAssertLessThan(withPositions.count, 40, "some rows were beaten when they came")
        let best = rows.sorted { ($0[1] as Double, $0[0] as Int64) < ($1[1] as Double, $1[0] as Int64) }.prefix(2)
        XCTAssertTrue(best.allSatisfy { !($0[2] as Data).isEmpty }, "the two best rows keep their positions")
    }

    /// The daemon's readers remember document lengths; an update that
    /// changes a document's length (same rowid) must change its score as a
    /// reader that never saw it before would score it.
    func testRememberedLengthsFollowUpdates() throws {
        let f = try fixture()
        let query = "tempête sur le littoral breton, pêcheurs au port"
        for _ in 0..<3 { _ = try f.index.search(query, limit: 40) }  // every reader has seen every row
        let long = String(repeating: " Le vent souffle sur les dunes et les falaises de granit rose.", count: 60)
        try f.index.write { writer in
            try writer.upsert(IndexFixture.document(
                "tempete-39.txt", "Bulletin météo numéro 39", "Vents forts attendus sur la côte",
                "Une tempête approche du littoral." + long))
        }
        var seen: [[SearchHit]] = []
        for _ in 0..<3 { seen.append(try f.index.search(query, limit: 40).hits) }
        let fresh = try SearchIndex.open(f.location, readOnly: true)
        defer { try? fresh.close() }
        let expected = try fresh.search(query, limit: 40).hits
        XCTAssertNotEqual(expected.firstIndex { $0.id == "tempete-39.txt" }, 0, "the longer document fell")
        for hits in seen {
            XCTAssertEqual(hits.map(\.id), expected.map(\.id))
            XCTAssertEqual(hits.map(\.score), expected.map(\.score))
        }
    }

    /// With `keep`, rows that cannot reach the page are left at a bound
    /// (and the counts of common words wait): the page must be exactly the
    /// one every row fully ranked gives, ranks and order alike.
    func testPruningLeavesThePageAsFullRankingHasIt() throws {
        var generator = SystemRandomNumberGenerator()
        let words = ["tempête", "littoral", "breton", "pêcheurs", "port", "Brest", "vent", "marée", "digue", "bateau"]
        var documents: [(id: String, title: String, lead: String, body: String)] = []
        for i in 0..<120 {
            // "port" and "vent" in some 40-45% of the documents, often: their
            // IDF is low enough for their counts to wait, not nil. The rest rarer.
            var body = Array(repeating: "la côte", count: Int.random(in: 5...60, using: &generator))
            for (word, share) in [("port", 0.45), ("vent", 0.4)] where Double.random(in: 0..<1, using: &generator) < share {
                for _ in 0..<Int.random(in: 1...20, using: &generator) {
                    body.insert(word, at: Int.random(in: 0...body.count, using: &generator))
                }
            }
            for word in words.filter({ $0 != "port" && $0 != "vent" }).shuffled(using: &generator)
                .prefix(Int.random(in: 0...4, using: &generator)) {
                body.insert(word, at: Int.random(in: 0...body.count, using: &generator))
            }
            documents.append(("d\(i).txt", "Chronique \(i)", i % 7 == 0 ? "La tempête sur Brest" : "Nouvelles du port", body.joined(separator: " ") + "."))
        }
        let f = try IndexFixture(documents)
        let expression = words.map { "\"\($0)\"" }.joined(separator: " OR ")
        func page(map: String, clauses: Int, soft: Int, keep: Int, limit: Int) throws -> [Row] {
            try f.index.read { db in
                try Row.fetchAll(
                    db, sql: """
                        SELECT rowid, tier_rank(documents_fts, ?, ?, ?, ?, 10, 5, 1) AS rank FROM documents_fts
                        WHERE documents_fts MATCH ? ORDER BY rank, rowid LIMIT ?
                        """,
                    arguments: [map, clauses, soft, keep, expression, limit])
            }
        }
        let counts = try words.map { word in
            try f.index.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", arguments: ["\"\(word)\""])!
            }
        }
        for soft in [0, 1] {
            for clauses in [2, 5, 10] {
                let map = words.indices.map { "\(min($0, clauses - 1)):\(counts[$0])" }.joined(separator: ",")
                for limit in [1, 3, 10] {
                    let full = try page(map: map, clauses: clauses, soft: soft, keep: 0, limit: limit)
                    let pruned = try page(map: map, clauses: clauses, soft: soft, keep: limit, limit: limit)
                    XCTAssertEqual(pruned, full, "soft \(soft), \(clauses) clauses, limit \(limit)")
                }
            }
        }
    }
}
