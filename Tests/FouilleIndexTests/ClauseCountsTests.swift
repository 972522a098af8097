@testable import FouilleIndex
import GRDB
import XCTest

/// Counts are remembered per state of the index and shared by every
/// connection reading that state; a commit is seen at once.
final class ClauseCountsTests: XCTestCase {
    /// Two more connections to the fixture's file, recording the counts they run.
    final class Reader {
        let queue: DatabaseQueue
        private(set) var countsRun = 0

        init(_ fixture: IndexFixture) throws {
            queue = try DatabaseQueue(
                path: fixture.index.generation.file.path, configuration: SearchIndex.configuration(readOnly: true))
            queue.inDatabase { db in
                db.trace { [weak self] event in
                    if "\(event)".contains("count(*)") { self?.countsRun += 1 }
                }
            }
        }

        func documents(_ expression: String, _ counts: ClauseCounts) throws -> Int {
            try queue.read { db in
                try counts.begin(db)
                return try counts.documents(matching: expression, db)
            }
        }
    }

    func testACountIsSharedByTheConnectionsReadingOneState() throws {
        let fixture = try IndexFixture()
        let counts = ClauseCounts()
        let first = try Reader(fixture), second = try Reader(fixture)
        let coree = try first.documents("\"coree\"", counts)
        XCTAssertGreaterThan(coree, 0)
        XCTAssertEqual(first.countsRun, 1)
        XCTAssertEqual(try second.documents("\"coree\"", counts), coree)
        XCTAssertEqual(try first.documents("\"coree\"", counts), coree)
        XCTAssertEqual(second.countsRun, 0, "counted again on another connection")
        XCTAssertEqual(first.countsRun, 1)

        // A commit from elsewhere: each connection sees the new state.
        _ = try fixture.index.write { try $0.upsert(IndexFixture.document("n.txt", "La Corée", "Séoul", "En Corée du Sud.")) }
        XCTAssertEqual(try second.documents("\"coree\"", counts), coree + 1)
        XCTAssertEqual(try first.documents("\"coree\"", counts), coree + 1)
        XCTAssertEqual(first.countsRun + second.countsRun, 2)
    }

    /// A reader whose snapshot began before a commit keeps its state's counts.
    func testAnOlderSnapshotKeepsItsOwnCounts() throws {
        let fixture = try IndexFixture()
        let counts = ClauseCounts()
        let old = try Reader(fixture), new = try Reader(fixture)
        let before = try old.documents("\"seoul\"", counts)
        try old.queue.read { db in
            try counts.begin(db)
            _ = try fixture.index.write {
                try $0.upsert(IndexFixture.document("s.txt", "Séoul", "Séoul et Busan", "À Séoul, la pluie."))
            }
            XCTAssertEqual(try new.documents("\"seoul\"", counts), before + 1)
            XCTAssertEqual(try counts.documents(matching: "\"seoul\"", db), before)
        }
        XCTAssertEqual(try old.documents("\"seoul\"", counts), before + 1)
    }
}
