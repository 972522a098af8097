@testable import FouilleIndex
import FouilleTestSupport
import GRDB
import XCTest

/// Ranking over postings held in memory must give what FTS5 gives: the
/// same hits, scores, snippets and totals, on every page.
final class PostingsCacheTests: XCTestCase {
    static let words = [
        "tempête", "littoral", "breton", "pêcheurs", "port", "Brest", "vent", "marée", "digue", "bateau",
        "l'océan", "qu'il", "aujourd'hui", "porte-avions", "Nouvelle-Calédonie", "œuvre", "été", "est", "2024",
    ]

    /// Articles mixing the words at random, in every column, some often.
    static func documents(seed: UInt64, count: Int) -> [(id: String, title: String, lead: String, body: String)] {
        var random = HostileText(seed: seed)
        func text(_ length: ClosedRange<Int>) -> String {
            (0..<random.int(in: length)).map { _ in
                random.chance(40) ? random.pick(words) : random.pick(["la", "côte", "et", "le", "du", "sur", "des", "un"])
            }.joined(separator: random.chance(10) ? ". " : " ")
        }
        return (0..<count).map { i in ("d\(i).txt", text(1...6), text(0...12), text(0...(i % 7 == 0 ? 400 : 60))) }
    }

    static let queries = [
        "tempête", "tempête littoral", "port -digue", "pêcheurs bateau Brest", "\"la tempête\" port",
        "tempête sur le littoral breton, les pêcheurs au port", "vent marée digue bateau port Brest océan",
        "tempete litoral", "pêcheur*", "title:tempête port", "lead:\"marée\" vent", "porte-avions Calédonie",
        "l'océan qu'il aujourd'hui", "été est", "2024 œuvre oeuvre", "-port tempête", "batau", "xylophone",
        "tempête OR marée", "Brest -\"la côte\" vent",
    ]

    func assertSameRankings(
        _ fixture: IndexFixture, ranking: Ranking = .default, hitsAtLeast: Int = 2_000,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let reference = try SearchIndex.open(fixture.location, readOnly: true)
        reference.postings.isEnabled = false
        defer { try? reference.close() }
        // The first sight of a phrase has it read on another thread.
        for query in Self.queries { _ = try fixture.index.search(query, limit: 10, ranking: ranking) }
        fixture.index.postings.waitForReads()
        var compared = 0
        for query in Self.queries {
            for (limit, offset) in [(1, 0), (3, 0), (10, 0), (5, 2), (10, 7), (200, 0), (10, 140)] {
                let held = try fixture.index.search(query, limit: limit, offset: offset, ranking: ranking)
                let fts5 = try reference.search(query, limit: limit, offset: offset, ranking: ranking)
                let context = "\(query), limit \(limit), offset \(offset)"
                XCTAssertEqual(held.hits.map(\.id), fts5.hits.map(\.id), context, file: file, line: line)
                XCTAssertTrue(held == fts5, "scores, snippets, totals, corrections: \(context)", file: file, line: line)
                compared += held.hits.count
            }
        }
        XCTAssertGreaterThan(compared, hitsAtLeast, file: file, line: line)
    }

    func testRankingInMemoryGivesFTS5sPages() throws {
        for seed: UInt64 in 1...3 {
            let fixture = try IndexFixture(Self.documents(seed: seed, count: 150))
            try assertSameRankings(fixture)
            // The postings were held: ranking again reads none.
            XCTAssertGreaterThan(fixture.index.postings.heldPhrases, 10)
        }
    }

    /// Counts per column are kept in a byte: a phrase with a row holding it
    /// more often is summed instance by instance, and ranks the same.
    func testAWordRepeatedHundredsOfTimesInOneArticle() throws {
        let repeated = (id: "long.txt", title: "Tempête", lead: "Le port",
                        body: Array(repeating: "tempête sur le port de Brest", count: 300).joined(separator: ", "))
        let fixture = try IndexFixture(Self.documents(seed: 11, count: 100) + [repeated])
        try assertSameRankings(fixture, hitsAtLeast: 1_500)
        XCTAssertEqual(try fixture.index.search("tempête port Brest").hits.first?.id, "long.txt")
    }

    /// Weights that are not multiples of 1/256 are added instance by
    /// instance, as `tier_rank()` adds them, not multiplied by counts.
    func testAnyWeightsGiveFTS5sPages() throws {
        let fixture = try IndexFixture(Self.documents(seed: 7, count: 150))
        try assertSameRankings(fixture, ranking: Ranking(titleWeight: 2.3, leadWeight: 1.7, bodyWeight: 0.9))
        try assertSameRankings(fixture, ranking: Ranking(titleWeight: 3, leadWeight: 0.1, bodyWeight: 1e-3))
    }

    /// The ranks themselves, to the last bit (a score printed or squashed
    /// into a tier would hide a difference there).
    func testRanksAreFTS5sToTheLastBit() throws {
        let fixture = try IndexFixture(Self.documents(seed: 8, count: 150))
        let reference = try SearchIndex.open(fixture.location, readOnly: true)
        reference.postings.isEnabled = false
        defer { try? reference.close() }
        let rankings = [Ranking.default, Ranking(titleWeight: 2.3, leadWeight: 1.7, bodyWeight: 0.3), Ranking(bodyWeight: 0.1)]
        var compared = 0
        for ranking in rankings {
            for text in Self.queries {
                guard let query = fixture.index.queryParsers.withParser({ $0.parse(text) }) else { continue }
                func ranks(_ index: SearchIndex) throws -> [[String]] {
                    try index.read { db in
                        guard let plan = try QueryPlan(query, db, counts: index.clauseCounts, ranking: ranking) else { return [] }
                        return try [plan.strict, plan.loose, plan.firstTiers(containingAnyOf: 1)].map { tiers in
                            try index.rank(tiers, candidates: 0, limit: 200, offset: 0, ranking: ranking, split: nil, db).map {
                                "\($0.rowid) \($0.rank.bitPattern) \($0.positions.map { "\($0.column).\($0.offset).\($0.phrase)" })"
                            }
                        }
                    }
                }
                _ = try ranks(fixture.index)
                fixture.index.postings.waitForReads()
                let held = try ranks(fixture.index), fts5 = try ranks(reference)
                XCTAssertEqual(held, fts5, "\(text), \(ranking)")
                compared += held.joined().count
            }
        }
        XCTAssertGreaterThan(compared, 5_000)
    }

    /// A phrase not held is read on another thread, while the query that
    /// asked for it is ranked by FTS5.
    func testAPhraseIsReadOffTheQueryPath() throws {
        let fixture = try IndexFixture(Self.documents(seed: 10, count: 80))
        fixture.index.postings.pauseReads()
        let first = try fixture.index.search("marée digue")
        XCTAssertEqual(try fixture.index.search("marée digue"), first)
        XCTAssertEqual(fixture.index.postings.heldPhrases, 0, "read while paused")
        fixture.index.postings.resumeReads()
        fixture.index.postings.waitForReads()
        XCTAssertEqual(fixture.index.postings.heldPhrases, 2)
        XCTAssertGreaterThan(fixture.index.postings.bytes, 0)
        XCTAssertEqual(try fixture.index.search("marée digue"), first)
        // A commit forgets what was held, and what was asked for before it.
        fixture.index.postings.pauseReads()
        _ = try fixture.index.search("tempête port")
        _ = try fixture.index.write { try $0.upsert(IndexFixture.document("n.txt", "Marée", "Digue", "La marée monte.")) }
        XCTAssertTrue(try fixture.index.search("marée digue", limit: 200).hits.map(\.id).contains("n.txt"))
        fixture.index.postings.resumeReads()
        fixture.index.postings.waitForReads()
        XCTAssertEqual(fixture.index.postings.heldPhrases, 2, "only the phrases asked for since the commit")
        XCTAssertTrue(try fixture.index.search("marée digue", limit: 200).hits.map(\.id).contains("n.txt"))
        // Closing waits for a read under way, and reads no more.
        _ = try fixture.index.search("vent bateau port Brest")
        try fixture.index.close()
        let held = fixture.index.postings.heldPhrases
        _ = try? fixture.index.search("océan littoral")
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(fixture.index.postings.heldPhrases, held)
    }

    /// After a commit, reads wait until the index has settled: during an
    /// ingest, what they read would be thrown away at the next commit.
    func testReadsWaitForTheIndexToSettle() throws {
        let fixture = try IndexFixture(Self.documents(seed: 12, count: 60))
        fixture.index.holdPostings(upTo: 1 << 20, settling: .milliseconds(500))
        let before = try fixture.index.search("marée digue")
        fixture.index.postings.waitForReads()
        XCTAssertEqual(fixture.index.postings.heldPhrases, 2, "the first state seen is read at once")
        _ = try fixture.index.write { try $0.upsert(IndexFixture.document("n.txt", "Marée", "Digue", "La marée monte.")) }
        let after = try fixture.index.search("marée digue")
        XCTAssertEqual(after.total, before.total + 1)
        fixture.index.postings.waitForReads()
        XCTAssertEqual(fixture.index.postings.heldPhrases, 0, "read while the index may still be changing")
        Thread.sleep(forTimeInterval: 0.55)
        XCTAssertEqual(try fixture.index.search("marée digue"), after)
        fixture.index.postings.waitForReads()
        XCTAssertEqual(fixture.index.postings.heldPhrases, 2)
        XCTAssertEqual(try fixture.index.search("marée digue"), after)
    }

    func testACommitIsSeenAtOnce() throws {
        let fixture = try IndexFixture(Self.documents(seed: 4, count: 60))
        XCTAssertTrue(try fixture.index.search("xylophone").hits.isEmpty)
        _ = try fixture.index.search("tempête littoral")
        try fixture.index.write { writer in
            try writer.upsert(IndexFixture.document("new.txt", "Le xylophone et la tempête", "Sur le littoral", "Un xylophone."))
            try writer.remove(id: "d3.txt")
        }
        XCTAssertEqual(try fixture.index.search("xylophone").hits.map(\.id), ["new.txt"])
        XCTAssertFalse(try fixture.index.search("tempête littoral", limit: 100).hits.map(\.id).contains("d3.txt"))
        try assertSameRankings(fixture, hitsAtLeast: 1_000)
    }

    func testPhrasesTooLargeToHoldAreRankedByFTS5() throws {
        let fixture = try IndexFixture(Self.documents(seed: 5, count: 150))
        fixture.index.postings.maximumPhraseInstances = 20
        try assertSameRankings(fixture)
        XCTAssertGreaterThan(fixture.index.postings.phrasesTooLarge, 0)
        // A budget smaller than one query's phrases: the first query's are
        // held, and queries needing others are ranked by FTS5.
        let small = try IndexFixture(Self.documents(seed: 6, count: 150))
        small.index.postings.budget = 8_000
        try assertSameRankings(small)
        XCTAssertGreaterThan(small.index.postings.heldPhrases, 0)
        XCTAssertLessThan(small.index.postings.heldPhrases, 8)
        // Phrases in more rows than allowed are not even read.
        let common = try IndexFixture(Self.documents(seed: 9, count: 150))
        common.index.postings.maximumPhraseRows = 30
        try assertSameRankings(common)
        XCTAssertEqual(common.index.postings.phrasesTooLarge, 0)
    }
}
