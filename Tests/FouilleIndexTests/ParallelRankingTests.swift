@testable import FouilleIndex
import GRDB
import XCTest

/// Ranking in two halves of the rowids at once (`search(parallelFrom:)`):
/// the merged page must be the page one ranking gives, and the halves must
/// read the same state of the index.
final class ParallelRankingTests: XCTestCase {
    private let words = ["tempête", "littoral", "breton", "pêcheurs", "port", "Brest", "vent", "marée", "digue", "bateau"]

    /// 150 articles mixing the words above at random, a few often.
    private func randomFixture() throws -> IndexFixture {
        var generator = SystemRandomNumberGenerator()
        var documents: [(id: String, title: String, lead: String, body: String)] = []
        for i in 0..<150 {
            var body = Array(repeating: "la côte", count: Int.random(in: 5...60, using: &generator))
            for word in words.shuffled(using: &generator).prefix(Int.random(in: 0...5, using: &generator)) {
                for _ in 0..<Int.random(in: 1...(word == "port" ? 12 : 3), using: &generator) {
                    body.insert(word, at: Int.random(in: 0...body.count, using: &generator))
                }
            }
            documents.append((
                "d\(i).txt", "Chronique \(i)", i % 5 == 0 ? "La tempête sur Brest" : "Nouvelles du port",
                body.joined(separator: " ") + "."))
        }
        return try Self.rankedByFTS5(IndexFixture(documents))
    }

    /// Halves are for queries FTS5 ranks: those whose phrases are too
    /// large to hold in memory (see ``PostingsCache``).
    static func rankedByFTS5(_ fixture: IndexFixture) -> IndexFixture {
        fixture.index.postings.isEnabled = false
        return fixture
    }

    func testTheHalvesMergeIntoThePageOfOneRanking() throws {
        let f = try randomFixture()
        let queries = [
            "tempête", "tempête littoral", "port -digue", "pêcheurs bateau Brest",
            "tempête sur le littoral breton, les pêcheurs au port", "vent marée digue bateau port Brest",
            "\"la tempête\" port", "tempete litoral",
        ]
        for query in queries {
            for (limit, offset) in [(1, 0), (3, 0), (10, 0), (5, 2), (10, 7), (200, 0), (10, 140)] {
                let one = try f.index.search(query, limit: limit, offset: offset)
                let halves = try f.index.search(query, limit: limit, offset: offset, parallelFrom: 1)
                let context = "\(query), limit \(limit), offset \(offset)"
                XCTAssertEqual(halves.hits.map(\.id), one.hits.map(\.id), context)
                XCTAssertEqual(halves.total, one.total, context)
                XCTAssertTrue(halves == one, "scores, snippets and corrections too: \(context)")
            }
        }
        let whole = try f.index.search("port", limit: 200)
        XCTAssertGreaterThan(whole.hits.count, 20, "enough rows in both halves for the test to say something")
    }

    /// A commit between the two halves' transactions: the upper half would
    /// see a document this snapshot does not. It is ranked again here.
    func testAnUpperHalfReadingALaterCommitIsRankedAgainOnThisSnapshot() throws {
        var documents: [(id: String, title: String, lead: String, body: String)] = []
        for i in 0..<40 {
            documents.append((
                "tempete-\(i).txt", "Bulletin météo numéro \(i)", "Vents forts attendus",
                String(repeating: "La tempête frappe le littoral. ", count: 1 + i / 8)))
        }
        let f = try IndexFixture(documents)
        let reader = try SearchIndex.open(f.location, readOnly: true)
        reader.postings.isEnabled = false
        defer { try? reader.close() }
        let split = SearchIndex.Split(fromCandidates: 1, timeLimit: nil)
        try reader.read { db in
            let query = try XCTUnwrap(reader.queryParsers.withParser { $0.parse("tempête littoral") })
            let plan = try XCTUnwrap(try QueryPlan(query, db, counts: reader.clauseCounts, ranking: .default))
            func rank() throws -> [Int64] {
                try reader.rank(plan.loose, candidates: 40, limit: 40, offset: 0, ranking: .default, split: split, db)
                    .map(\.rowid)
            }
            let before = try rank()
            XCTAssertEqual(before.count, 40)
            // The best rows are the last ones, in the upper half: the best of
            // all stops matching.
            _ = try f.index.write { writer in
                try writer.upsert(IndexFixture.document("tempete-39.txt", "Bulletin météo numéro 39", "Calme plat", "Rien à signaler."))
            }
            XCTAssertEqual(try rank(), before, "this read's snapshot still holds the article")
        }
        XCTAssertEqual(try reader.search("tempête littoral", limit: 40, parallelFrom: 1).hits.count, 39, "a new read sees the commit")
    }

    func testATimeLimitStillHoldsWhenRankingInHalves() throws {
        let f = try randomFixture()
        XCTAssertThrowsError(try f.index.search("port vent", limit: 10, timeLimit: .nanoseconds(1), parallelFrom: 1)) { error in
            guard case IndexError.timeout = error else { return XCTFail("\(error)") }
        }
        XCTAssertFalse(try f.index.search("port vent", limit: 10, parallelFrom: 1).hits.isEmpty, "the next query runs")
    }

    /// On a connection's first query, an interrupt can reach FTS5 while it
    /// opens its table, which SQLite reports as "vtable constructor failed":
    /// past the deadline, that is a timeout too.
    func testATimeLimitOnFreshConnectionsIsReportedAsATimeout() throws {
        for _ in 0..<40 {
            let f = Self.rankedByFTS5(try IndexFixture())
            XCTAssertThrowsError(try f.index.search("corée du nord", timeLimit: .nanoseconds(1), parallelFrom: 1)) { error in
                guard case IndexError.timeout = error else { return XCTFail("\(error)") }
            }
        }
    }
}
