import FouilleIndex
import Foundation
import GRDB
import XCTest

/// Opening checks: a file that is not ours is refused, and left as it was.
final class SchemaTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fouille-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// An index folder whose CURRENT points at `file`, holding `bytes`.
    private func folderPointing(at bytes: [UInt8]) throws -> (IndexLocation, URL) {
        let index = folder.appendingPathComponent("index")
        try FileManager.default.createDirectory(at: index, withIntermediateDirectories: true)
        let file = index.appendingPathComponent("gen-000001.sqlite")
        try Data(bytes).write(to: file)
        try Data("gen-000001.sqlite\n".utf8).write(to: index.appendingPathComponent("CURRENT"))
        return (IndexLocation(path: index.path), file)
    }

    func testMissingIndexIsAClearErrorForSearch() {
        let location = IndexLocation(path: folder.appendingPathComponent("nothing").path)
        XCTAssertThrowsError(try SearchIndex.open(location, readOnly: true)) { error in
            XCTAssertEqual(error as? IndexError, .missing(path: location.path))
            XCTAssertTrue("\(error)".contains("fouille ingest"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: location.path), "search must not create an index")
    }

    func testCreatingMakesAFolderWithAPublishedGeneration() throws {
        let location = IndexLocation(path: folder.appendingPathComponent("new").path)
        let index = try SearchIndex.open(location, creating: true)
        XCTAssertEqual(index.generation.number, 1)
        XCTAssertEqual(
            try String(contentsOfFile: location.path + "/CURRENT", encoding: .utf8), "gen-000001.sqlite\n")
        XCTAssertEqual(try index.documentCount(), 0)
        try index.close()
        // And it opens again, read-only.
        XCTAssertEqual(try SearchIndex.open(location, readOnly: true).generation.number, 1)
    }

    func testAPlainFileIsNotAnIndexFolder() throws {
        let file = folder.appendingPathComponent("file.sqlite")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try SearchIndex.open(IndexLocation(path: file.path), creating: true)) { error in
            XCTAssertEqual(error as? IndexError, .notAnIndexFolder(path: file.path))
        }
    }

    func testGarbageIsReportedAsDamagedAndLeftUntouched() throws {
        let garbage = Array("Ceci n'est pas une base SQLite, mais un texte quelconque.\n".utf8) + [UInt8](repeating: 7, count: 5000)
        let (location, file) = try folderPointing(at: garbage)
        XCTAssertThrowsError(try SearchIndex.open(location, creating: true)) { error in
            guard case .corrupt(let path, _) = error as? IndexError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, file.path)
            XCTAssertTrue("\(error)".contains("fouille rebuild"))
        }
        XCTAssertEqual(try [UInt8](Data(contentsOf: file)), garbage)
    }

    func testAForeignSQLiteDatabaseIsRefusedAndUnchanged() throws {
        let (location, file) = try folderPointing(at: [])
        try FileManager.default.removeItem(at: file)
        let queue = try DatabaseQueue(path: file.path)
        try queue.write { try $0.execute(sql: "CREATE TABLE clients(nom TEXT); INSERT INTO clients VALUES ('Dupont')") }
        try queue.close()
        let before = try Data(contentsOf: file)
        XCTAssertThrowsError(try SearchIndex.open(location, creating: true)) { error in
            XCTAssertEqual(error as? IndexError, .notAFouilleIndex(path: file.path))
        }
        XCTAssertEqual(try Data(contentsOf: file), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path + "-wal"), "not switched to WAL")
    }

    func testAnIndexFromAnotherVersionIsRefused() throws {
        let location = IndexLocation(path: folder.appendingPathComponent("old").path)
        let file = try SearchIndex.open(location, creating: true).generation.file
        let queue = try DatabaseQueue(path: file.path)
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA user_version = 99") }
        try queue.close()
        XCTAssertThrowsError(try SearchIndex.open(location)) { error in
            XCTAssertEqual(error as? IndexError, .incompatibleVersion(path: file.path, found: 99, expected: 1))
        }
    }

    func testTheFileIsInWALMode() throws {
        let fixture = try IndexFixture()
        let queue = try DatabaseQueue(path: fixture.index.generation.file.path)
        XCTAssertEqual(try queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }, "wal")
    }
}
