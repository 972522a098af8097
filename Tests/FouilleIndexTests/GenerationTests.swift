import FouilleIndex
import Foundation
import XCTest

/// The index folder's generations and its one-writer lock, in process:
/// `WriterLock` (flock is per open file description, so two locks in one
/// process conflict as two processes would), `IndexLocation.sweep`,
/// `discard` and `nextGenerationNumber`.
final class GenerationTests: XCTestCase {
    var folder: URL!
    var location: IndexLocation!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fouille-generations-\(UUID().uuidString)")
        location = IndexLocation(path: folder.appendingPathComponent("index").path)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    private var lockPath: String { location.folder.appendingPathComponent("LOCK").path }

    private func lockFileContents() throws -> String {
        try String(contentsOfFile: lockPath, encoding: .utf8)
    }

    // MARK: - WriterLock

    func testASecondLockIsBusyAndNamesTheHolderUntilTheFirstIsReleased() throws {
        let first = try WriterLock(location, command: "fouille rebuild", wait: false)
        XCTAssertEqual(first.path, lockPath)
        XCTAssertNil(first.interruptedHolder, "a new index has no earlier run")
        let note = try lockFileContents()
        XCTAssertTrue(note.hasPrefix("pid \(getpid()), fouille rebuild, since "), note)

        do {
            _ = try WriterLock(location, command: "fouille ingest", wait: false)
            XCTFail("a second writer got the lock")
        } catch let busy as WriterLock.Busy {
            XCTAssertEqual(busy.path, lockPath)
            XCTAssertTrue(busy.holder.hasPrefix("pid \(getpid()), fouille rebuild, since "), busy.holder)
            XCTAssertTrue(busy.description.contains("being written by pid \(getpid()), fouille rebuild"), busy.description)
            XCTAssertTrue(busy.description.contains("(lock \(lockPath))"), busy.description)
            XCTAssertTrue(busy.description.contains("--wait"), busy.description)
        }
        XCTAssertTrue(try lockFileContents().hasPrefix("pid \(getpid()), fouille rebuild, since "), "the refused writer changed nothing")

        first.release()
        XCTAssertEqual(try lockFileContents(), "", "a clean finish empties the lock file")
        first.release()  // twice is harmless

        let second = try WriterLock(location, command: "fouille ingest", wait: false)
        XCTAssertNil(second.interruptedHolder, "the first finished cleanly")
        XCTAssertTrue(try lockFileContents().hasPrefix("pid \(getpid()), fouille ingest, since "))
        second.release()
    }

    func testALockIsReleasedCleanlyWhenItsObjectGoesAway() throws {
        do { _ = try WriterLock(location, command: "fouille ingest", wait: false) }
        let after = try WriterLock(location, command: "fouille rebuild", wait: false)
        XCTAssertNil(after.interruptedHolder, "deinit is a clean release")
        after.release()
    }

    func testWaitBlocksUntilTheHolderReleases() throws {
        let first = try WriterLock(location, command: "fouille rebuild", wait: false)
        final class Box: @unchecked Sendable {
            var lock: WriterLock?
            var error: (any Error)?
        }
        let box = Box()
        let acquired = DispatchSemaphore(value: 0)
        let location = self.location!
        Thread {
            do { box.lock = try WriterLock(location, command: "fouille ingest", wait: true) } catch { box.error = error }
            acquired.signal()
        }.start()
        XCTAssertEqual(acquired.wait(timeout: .now() + 0.5), .timedOut, "--wait blocks while the lock is held")
        first.release()
        XCTAssertEqual(acquired.wait(timeout: .now() + 10), .success, "--wait gets the lock once it is released")
        XCTAssertNil(box.error)
        XCTAssertNotNil(box.lock)
        XCTAssertNil(box.lock?.interruptedHolder)
        XCTAssertTrue(try lockFileContents().hasPrefix("pid \(getpid()), fouille ingest, since "))
        box.lock?.release()
    }

    func testALockFileLeftNonEmptyMeansAnEarlierRunWasInterrupted() throws {
        try FileManager.default.createDirectory(at: location.folder, withIntermediateDirectories: true)
        let left = "pid 4242, fouille rebuild, since 2025-08-14T03:00:00Z"
        try Data((left + "\n").utf8).write(to: URL(fileURLWithPath: lockPath))

        let lock = try WriterLock(location, command: "fouille rebuild", wait: false)
        XCTAssertEqual(lock.interruptedHolder, left)
        let note = try lockFileContents()
        XCTAssertTrue(note.hasPrefix("pid \(getpid()), fouille rebuild, since "), note)
        XCTAssertFalse(note.contains("4242"), "the old note is replaced, not appended to: \(note)")
        lock.release()

        let next = try WriterLock(location, command: "fouille rebuild", wait: false)
        XCTAssertNil(next.interruptedHolder)
        next.release()
    }

    func testALockOnAFileThatIsNotAFolderFails() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("pas un index".utf8).write(to: location.folder)
        XCTAssertThrowsError(try WriterLock(location, command: "fouille ingest", wait: false)) { error in
            guard case IndexError.notAnIndexFolder = error else { return XCTFail("\(error)") }
        }
    }

    // MARK: - Generations on disk

    @discardableResult
    private func makeGeneration(_ number: Int, publish: Bool = false) throws -> Generation {
        let index = try SearchIndex.createGeneration(location, number: number, tokenizer: .french)
        _ = try index.write { writer in
            try writer.upsert(IndexFixture.document(
                "g\(number).txt", "Génération \(number)", "Un article de la génération \(number).", "Le patrimoine du village."))
        }
        let generation = index.generation
        try index.close()
        if publish { try location.publish(generation) }
        return generation
    }

    private func names(_ swept: [SweptFile]) -> [String] {
        swept.map { "\($0.name) \($0.reason)" }.sorted()
    }

    private func filesOnDisk() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: location.path)) ?? []).filter { $0 != "LOCK" }.sorted()
    }

    func testSweepRemovesOlderGenerationsAndNewerOnesOnlyForTheWriter() throws {
        try makeGeneration(1, publish: true)
        try makeGeneration(2)
        let current = try makeGeneration(3, publish: true)
        try makeGeneration(4)
        try Data("gen-000004.sqlite\n".utf8).write(to: location.folder.appendingPathComponent("CURRENT.tmp"))
        XCTAssertEqual(try location.currentGeneration(), current)
        XCTAssertEqual(location.generationsOnDisk().map(\.number), [1, 2, 3, 4])
        XCTAssertEqual(location.nextGenerationNumber(), 5)

        // What a daemon (or any process without the lock) may remove: older generations.
        let older = location.sweep(unpublished: false)
        XCTAssertEqual(names(older), ["gen-000001.sqlite superseded", "gen-000002.sqlite superseded"])
        XCTAssertEqual(older.first?.description, "removed gen-000001.sqlite (an earlier generation, no longer in use)")
        XCTAssertEqual(filesOnDisk().filter { $0.hasPrefix("gen-") && $0.hasSuffix(".sqlite") }, ["gen-000003.sqlite", "gen-000004.sqlite"])
        XCTAssertFalse(filesOnDisk().contains { $0.hasPrefix("gen-000001") || $0.hasPrefix("gen-000002") }, "\(filesOnDisk())")
        XCTAssertTrue(filesOnDisk().contains("CURRENT.tmp"), "only the writer removes CURRENT.tmp")
        XCTAssertEqual(location.nextGenerationNumber(), 5, "numbers only grow")

        // The lock holder also removes an unpublished generation and a torn pointer.
        let unpublished = location.sweep(unpublished: true)
        XCTAssertEqual(names(unpublished), ["CURRENT.tmp unfinishedPointer", "gen-000004.sqlite unpublished"])
        XCTAssertEqual(
            unpublished.first { $0.reason == .unpublished }?.description,
            "removed gen-000004.sqlite (left by an interrupted rebuild, never published)")
        XCTAssertEqual(
            unpublished.first { $0.reason == .unfinishedPointer }?.description,
            "removed CURRENT.tmp (left by an interrupted publication)")
        XCTAssertEqual(filesOnDisk().filter { !$0.hasPrefix("gen-000003.sqlite") }, ["CURRENT"])
        XCTAssertEqual(try location.currentGeneration(), current, "the current generation is never removed")
        XCTAssertEqual(location.nextGenerationNumber(), 4)

        XCTAssertEqual(location.sweep(unpublished: true), [], "nothing left to remove")
        let index = try SearchIndex.open(location, readOnly: true)
        XCTAssertEqual(try index.documentCount(), 1)
        XCTAssertNotNil(try index.document(id: "g3.txt"))
        try index.close()
    }

    func testSweepConsidersOnlyTheGenerationsNamed() throws {
        try makeGeneration(1, publish: true)
        try makeGeneration(2, publish: true)
        try makeGeneration(3, publish: true)
        XCTAssertEqual(location.sweep(unpublished: false, only: [3]), [], "the current generation is never swept")
        XCTAssertEqual(names(location.sweep(unpublished: false, only: [2])), ["gen-000002.sqlite superseded"])
        XCTAssertEqual(location.generationsOnDisk().map(\.number), [1, 3])
        XCTAssertEqual(names(location.sweep(unpublished: true)), ["gen-000001.sqlite superseded"])
        XCTAssertEqual(location.generationsOnDisk().map(\.number), [3])
    }

    func testSweepWithoutCurrentRemovesNothing() throws {
        try makeGeneration(1)
        try makeGeneration(2)
        XCTAssertThrowsError(try location.currentGeneration())
        XCTAssertEqual(location.sweep(unpublished: true), [], "without CURRENT nothing says which generation is served")
        XCTAssertEqual(location.generationsOnDisk().map(\.number), [1, 2])
    }

    func testDiscardNeverRemovesTheCurrentGeneration() throws {
        let current = try makeGeneration(1, publish: true)
        let building = try makeGeneration(2)
        location.discard(current)
        XCTAssertTrue(FileManager.default.fileExists(atPath: current.file.path))
        location.discard(building)
        XCTAssertFalse(FileManager.default.fileExists(atPath: building.file.path))
        XCTAssertEqual(filesOnDisk().filter { $0.hasPrefix("gen-000002") }, [], "with its -wal and -shm")
    }

    func testNextGenerationNumberIsAboveEveryGenerationOnDiskAndCurrent() throws {
        XCTAssertEqual(location.nextGenerationNumber(), 1, "no folder yet")
        let index = try SearchIndex.open(location, creating: true)
        XCTAssertEqual(index.generation.number, 1)
        try index.close()
        XCTAssertEqual(location.nextGenerationNumber(), 2)

        try makeGeneration(7, publish: true)
        XCTAssertEqual(location.nextGenerationNumber(), 8)
        try makeGeneration(12)
        XCTAssertEqual(location.nextGenerationNumber(), 13, "an unpublished generation counts too")
        location.sweep(unpublished: false)
        XCTAssertEqual(location.generationsOnDisk().map(\.number), [7, 12])
        location.sweep(unpublished: true)
        XCTAssertEqual(location.generationsOnDisk().map(\.number), [7])
        XCTAssertEqual(location.nextGenerationNumber(), 8)
    }
}

extension GenerationTests {
    /// A reader reads `CURRENT`, then opens the generation it names; a
    /// rebuild may publish a new one and delete that one in between. Opening
    /// then reads `CURRENT` again instead of failing with "unable to open
    /// database file" (or an I/O error when the file goes mid-open).
    func testOpeningFollowsCURRENTWhenTheGenerationItNamedIsDeletedMeanwhile() throws {
        let first = try SearchIndex.open(location, creating: true)
        try first.close()
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var stop = false
            var opened = 0
            var failures: [String] = []
        }
        let shared = Shared()
        let location = self.location!
        let readerDone = DispatchSemaphore(value: 0)
        Thread {
            while !shared.lock.withLock({ shared.stop }) {
                do {
                    let index = try SearchIndex.open(location, readOnly: true)
                    try index.close()
                    shared.lock.withLock { shared.opened += 1 }
                } catch {
                    shared.lock.withLock { shared.failures.append("\(error)") }
                }
            }
            readerDone.signal()
        }.start()
        // What a rebuild does, a new generation every 20 ms (cron makes one a
        // night): published, and the previous one deleted at once, even in use.
        // For two seconds at most.
        let deadline = Date().addingTimeInterval(2)
        for _ in 0..<100 where Date() < deadline {
            usleep(20_000)
            let building = try SearchIndex.createGeneration(location, number: location.nextGenerationNumber(), tokenizer: .french)
            try building.close()
            try location.publish(building.generation)
            for old in location.generationsOnDisk() where old.number < building.generation.number {
                for suffix in ["-wal", "-shm", ""] { unlink(old.file.path + suffix) }
            }
        }
        shared.lock.withLock { shared.stop = true }
        XCTAssertEqual(readerDone.wait(timeout: .now() + 10), .success)
        shared.lock.withLock {
            XCTAssertGreaterThan(shared.opened, 20)
            XCTAssertEqual(shared.failures, [], "\(shared.failures.count) of \(shared.opened + shared.failures.count) opens failed")
        }
    }
}
