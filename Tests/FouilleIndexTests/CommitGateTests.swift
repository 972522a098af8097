@testable import FouilleIndex
import XCTest

/// The whole-file check that runs beside a writer's first batch: nothing
/// commits before it has passed.
final class CommitGateTests: XCTestCase {
    private let article = IndexFixture.document(
        "2025/09/vendanges.txt", "Vendanges précoces en Alsace", "Le raisin mûrit plus tôt", "Les vignerons récoltent dès la fin août.")

    func testAFailedCheckRollsTheFirstBatchBackAndStopsThere() throws {
        let f = try IndexFixture()
        let before = try f.index.documentCount()
        let started = DispatchSemaphore(value: 0)
        f.index.commitGate.start {
            started.signal()
            Thread.sleep(forTimeInterval: 0.2)  // the batch is written meanwhile
            throw IndexError.corrupt(path: "gen-000001.sqlite", reason: "page 7: btree damaged")
        }
        started.wait()
        XCTAssertThrowsError(try f.index.write { try $0.upsert(article) }) { error in
            XCTAssertTrue("\(error)".contains("btree damaged"), "\(error)")
        }
        XCTAssertEqual(try f.index.documentCount(), before, "the batch was rolled back")
        XCTAssertEqual(try f.index.count("vendanges"), 0)
        XCTAssertNoThrow(try f.index.passCheck(), "the verdict is given once")
    }

    func testAHealthyFileCommitsOnceChecked() throws {
        let f = try IndexFixture()
        f.index.checkBeforeFirstCommit { XCTFail("a small file is checked whole") }
        _ = try f.index.write { try $0.upsert(article) }
        XCTAssertEqual(try f.index.count("vendanges"), 1)
        XCTAssertNoThrow(try f.index.passCheck())
    }

    func testARunThatCommitsNothingStillGetsTheVerdict() throws {
        let f = try IndexFixture()
        f.index.commitGate.start { throw IndexError.corrupt(path: "gen-000001.sqlite", reason: "page 3: never used") }
        XCTAssertThrowsError(try f.index.passCheck())
    }

    func testTheMappedCheckDropsItsMapAfterwards() throws {
        let f = try IndexFixture()
        _ = try f.index.write { try $0.upsert(article) }
        try f.index.read { db in
            try f.index.quickCheck(db, mapped: true)
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA mmap_size"), 0, "the connection reads with pread again")
        }
        XCTAssertTrue(try f.index.quickCheck(mapped: true))
    }
}
