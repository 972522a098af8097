import FouilleIndex
import FouilleServer
import Foundation
import XCTest

/// `fouille rebuild` as real processes beside a real daemon: queries during a
/// rebuild, rebuilds killed at each moment, the one-writer lock, a damaged
/// generation, the files left on disk, `-q` and the shrink guard.
///
/// Two corpora that cannot be mistaken for each other: 30 articles `a-NN.txt`
/// and 40 articles `b-NN.txt`, all containing "patrimoine". An answer to
/// `SEARCH patrimoine` comes wholly from one generation when its total and
/// every hit id belong to one corpus.
final class RebuildProcessTests: XCTestCase {
    var workspace: Workspace!
    /// Every process a test started, killed in tearDown if still there.
    private var started: [BackgroundFouille] = []

    var socket: String { workspace.root.appendingPathComponent("run/fouille.sock").path }
    var corpusA: URL { workspace.root.appendingPathComponent("corpus-a") }
    var corpusB: URL { workspace.root.appendingPathComponent("corpus-b") }
    var location: IndexLocation { IndexLocation(path: workspace.index) }
    var lockFile: String { workspace.index + "/LOCK" }

    static let query = "SEARCH limit=100 patrimoine"

    override func setUpWithError() throws {
        workspace = try Workspace()
        for i in 1...30 {
            try write(corpusA, String(format: "a-%02d.txt", i), """
                Port de pêche numéro \(i) : la saison de la sardine commence
                Les marins de Douarnenez préparent leurs filets avant l’aube.
                Dans ce village de Bretagne, le patrimoine maritime attire les visiteurs.
                Les chalutiers rentrent au port chargés de sardines et de maquereaux ; la criée ouvre à six heures.
                """)
        }
        for i in 1...40 {
            try write(corpusB, String(format: "b-%02d.txt", i), """
                Vignoble numéro \(i) : les vendanges s’annoncent précoces
                Les vignerons de Bourgogne surveillent le ciel chaque matin.
                Autour du village, le patrimoine viticole fait la fierté des habitants.
                La récolte du pinot noir commence début septembre, après un été chaud et sec.
                """)
        }
        let ingest = try FouilleProcess.run(["ingest", "--quiet", "--index", workspace.index, corpusA.path])
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
        XCTAssertEqual(try currentFileName(), "gen-000001.sqlite")
    }

    override func tearDown() {
        BackgroundFouille.killRunning(started)
        started = []
        workspace = nil
    }

    // MARK: - Queries during a rebuild

    func testQueriesDuringARebuildComeWhollyFromTheOldOrTheNewGeneration() throws {
        let daemon = try startDaemon()
        XCTAssertEqual(try corpus(of: ProtocolClient(path: socket).send(Self.query)), "a")

        let tally = Tally()
        let stop = Flag()
        let clients = (0..<2).map { _ in
            let socket = self.socket
            let thread = Thread {
                defer { tally.finished() }
                let client: ProtocolClient
                do { client = try ProtocolClient(path: socket, timeout: 10) } catch {
                    tally.record(error: "connect: \(error)")
                    return
                }
                while !stop.isSet {
                    do {
                        let reply = try client.send(Self.query)
                        if let corpus = Self.corpus(of: reply) { tally.record(corpus) } else { tally.record(mixed: reply) }
                    } catch {
                        tally.record(error: "\(error)")
                        return
                    }
                }
            }
            thread.start()
            return thread
        }
        // Some answers before the rebuild starts.
        XCTAssertTrue(poll(seconds: 5) { tally.count("a") >= 20 }, "the clients get answers")

        let rebuild = try FouilleProcess.run(["rebuild", "--batch-files", "4", "--index", workspace.index, corpusB.path])
        XCTAssertEqual(rebuild.status, 0, rebuild.stderr)
        XCTAssertTrue(rebuild.stdout.hasPrefix("published gen-000002.sqlite: 40 documents, "), rebuild.stdout)
        XCTAssertEqual(try currentFileName(), "gen-000002.sqlite")

        XCTAssertTrue(poll(seconds: 5) { tally.count("b") >= 20 }, "the daemon serves the new generation: \(tally.summary)")
        stop.set()
        XCTAssertTrue(poll(seconds: 10) { tally.finishedThreads == clients.count }, "the clients stop")

        XCTAssertEqual(tally.errors, [], "no request failed: \(tally.summary)")
        XCTAssertEqual(tally.mixed, [], "no answer mixes the two generations")
        XCTAssertGreaterThan(tally.count("a"), 0)
        XCTAssertGreaterThan(tally.count("b"), 0, "answers came from the new generation")

        let stats = try ProtocolClient(path: socket).send("STATS")
        XCTAssertTrue(stats.isOK, stats.final)
        XCTAssertTrue(stats.lines.contains("STAT\tgeneration\t2"), stats.lines.joined(separator: "\n"))
        XCTAssertTrue(stats.lines.contains("STAT\tdocuments\t40"), stats.lines.joined(separator: "\n"))
        let built = stats.lines.first { $0.hasPrefix("STAT\tgeneration_built_at\t") }
        XCTAssertNotNil(built.flatMap { ISO8601DateFormatter().date(from: String($0.split(separator: "\t").last ?? "")) },
                        "generation_built_at is a date: \(built ?? "missing")")
        XCTAssertTrue(stats.lines.contains { $0.hasPrefix("STAT\tindex_path\t") && $0.hasSuffix("/gen-000002.sqlite") })

        // The daemon let go of generation 1 and deleted it.
        XCTAssertTrue(poll(seconds: 3) { self.generationFiles() == ["gen-000002.sqlite"] }, "\(generationFiles())")
        XCTAssertTrue(daemon.process.isRunning, daemon.stderr)
    }

    // MARK: - A rebuild killed at each moment

    func testARebuildKilledWhileBuildingLeavesTheServedGenerationWhole() throws {
        try killRebuild(pausedAt: "pause-building", published: false)
    }

    func testARebuildKilledAfterItsChecksLeavesTheServedGenerationWhole() throws {
        try killRebuild(pausedAt: "pause-checked", published: false)
    }

    func testARebuildKilledJustAfterPublishingLeavesTheNewGenerationServed() throws {
        try killRebuild(pausedAt: "pause-published", published: true)
    }

    /// Pauses a rebuild of corpus B at `moment`, kills it with SIGKILL, checks
    /// what the daemon serves, then runs the next rebuild.
    private func killRebuild(pausedAt moment: String, published: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let daemon = try startDaemon()
        let paused = try pausedRebuild(at: moment, ["--batch-files", "2", corpusB.path])
        let holder = try String(contentsOfFile: lockFile, encoding: .utf8)
        XCTAssertTrue(holder.hasPrefix("pid \(paused.pid), fouille rebuild, since "), holder, file: file, line: line)
        XCTAssertTrue(generationFiles().contains("gen-000002.sqlite"), "\(generationFiles())", file: file, line: line)
        XCTAssertEqual(try currentFileName(), published ? "gen-000002.sqlite" : "gen-000001.sqlite", file: file, line: line)

        kill(paused.pid, SIGKILL)
        let killed = paused.finish()
        XCTAssertEqual(killed.reason, .uncaughtSignal, file: file, line: line)

        // The daemon serves a whole generation: the old one, or the new one
        // once it sees CURRENT changed. Queries over more than one poll.
        let client = try ProtocolClient(path: socket)
        let expected = published ? "b" : "a"
        let end = Date().addingTimeInterval(published ? 5 : 1.2)
        var last: String?
        while Date() < end {
            let reply = try client.send(Self.query)
            last = Self.corpus(of: reply)
            XCTAssertNotNil(last, "a whole answer: \(reply.final) \(reply.lines.count) hits", file: file, line: line)
            if published && last == expected { break }
            usleep(50_000)
        }
        XCTAssertEqual(last, expected, file: file, line: line)
        let current = try location.currentGeneration()
        XCTAssertTrue(FileManager.default.fileExists(atPath: current.file.path), "CURRENT names an existing file", file: file, line: line)

        // The next rebuild cleans up after the killed one and publishes.
        let next = try FouilleProcess.run(["rebuild", "--index", workspace.index, corpusB.path])
        XCTAssertEqual(next.status, 0, next.stderr, file: file, line: line)
        XCTAssertTrue(
            next.stderr.contains("fouille: warning: an earlier run did not finish (pid \(paused.pid), fouille rebuild, since "),
            next.stderr, file: file, line: line)
        if !published {
            XCTAssertTrue(
                next.stderr.contains("removed gen-000002.sqlite (left by an interrupted rebuild, never published)"),
                next.stderr, file: file, line: line)
        }
        let newest = published ? "gen-000003.sqlite" : "gen-000002.sqlite"
        XCTAssertTrue(next.stdout.hasPrefix("published \(newest): 40 documents"), next.stdout, file: file, line: line)
        XCTAssertEqual(try currentFileName(), newest, file: file, line: line)
        XCTAssertEqual(try String(contentsOfFile: lockFile, encoding: .utf8), "", "a clean finish empties LOCK", file: file, line: line)

        // After the daemon's next poll: the generation in service, and at most one other.
        usleep(1_500_000)
        XCTAssertLessThanOrEqual(generationFiles().count, 2, "\(generationFiles())", file: file, line: line)
        XCTAssertTrue(poll(seconds: 3) { self.generationFiles() == [newest] }, "\(generationFiles())", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: workspace.index + "/CURRENT.tmp"), file: file, line: line)
        XCTAssertEqual(Self.corpus(of: try client.send(Self.query)), "b", file: file, line: line)
        XCTAssertTrue(try client.send("STATS").lines.contains("STAT\tgeneration\t\(published ? 3 : 2)"), file: file, line: line)
        XCTAssertTrue(daemon.process.isRunning, daemon.stderr, file: file, line: line)
    }

    // MARK: - Priority

    /// Every thread of a rebuild runs at nice 10 by default (libdispatch's
    /// worker threads set their own priority, so the process must set each),
    /// and at the process's own with `--nice 0`.
    func testARebuildLowersThePriorityOfEveryThread() throws {
        let niced = try pausedRebuild(at: "pause-building", ["--batch-files", "2", corpusB.path])
        let values = Self.niceValues(of: niced.pid)
        XCTAssertGreaterThan(values.count, 1, "several threads")
        XCTAssertTrue(values.allSatisfy { $0 == 10 }, "\(values)")
        kill(niced.pid, SIGKILL)
        _ = niced.finish()

        let plain = try pausedRebuild(at: "pause-building", ["--nice", "0", "--batch-files", "2", corpusB.path])
        XCTAssertFalse(Self.niceValues(of: plain.pid).contains(10))
        kill(plain.pid, SIGKILL)
        _ = plain.finish()
    }

    /// The nice value of each thread, from field 19 of /proc/PID/task/TID/stat.
    static func niceValues(of pid: pid_t) -> [Int] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { task in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8),
                  let end = stat.lastIndex(of: ")") else { return nil }
            // Fields after the command name: state is field 3, nice field 19.
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            return fields.count > 16 ? Int(fields[16]) : nil
        }
    }

    // MARK: - One writer at a time

    func testASecondWriterExits75OrWaitsForTheFirstToFinish() throws {
        let first = try pausedRebuild(at: "pause-building", ["--batch-files", "2", corpusB.path])

        let rebuild = try FouilleProcess.run(["rebuild", "--index", workspace.index, corpusB.path])
        XCTAssertEqual(rebuild.status, 75, rebuild.stderr)
        XCTAssertEqual(rebuild.stdout, "")
        XCTAssertTrue(rebuild.stderr.contains("(lock \(lockFile))"), rebuild.stderr)
        XCTAssertTrue(rebuild.stderr.contains("pid \(first.pid), fouille rebuild, since "), rebuild.stderr)
        XCTAssertTrue(rebuild.stderr.contains("--wait"), rebuild.stderr)

        let ingest = try FouilleProcess.run(["ingest", "--index", workspace.index, corpusA.path])
        XCTAssertEqual(ingest.status, 75, ingest.stderr)
        XCTAssertTrue(ingest.stderr.contains("(lock \(lockFile))"), ingest.stderr)
        XCTAssertTrue(ingest.stderr.contains("pid \(first.pid), fouille rebuild"), ingest.stderr)
        XCTAssertEqual(try currentFileName(), "gen-000001.sqlite", "neither wrote anything")
        XCTAssertEqual(generationFiles(), ["gen-000001.sqlite", "gen-000002.sqlite"])

        let waiting = try background(["rebuild", "--wait", "--index", workspace.index, corpusB.path])
        usleep(700_000)
        XCTAssertTrue(waiting.process.isRunning, "--wait blocks while the lock is held: \(waiting.stderr)")
        XCTAssertEqual(waiting.stdout, "")

        kill(first.pid, SIGCONT)
        let firstDone = first.finish()
        XCTAssertEqual(firstDone.reason, .exit)
        XCTAssertEqual(firstDone.status, 0, firstDone.stderr)
        XCTAssertTrue(firstDone.stdout.hasPrefix("published gen-000002.sqlite: 40 documents"), firstDone.stdout)

        let waited = waiting.finish()
        XCTAssertEqual(waited.status, 0, waited.stderr)
        XCTAssertTrue(waited.stdout.hasPrefix("published gen-000003.sqlite: 40 documents"), "it ran after the first: \(waited.stdout)")
        XCTAssertFalse(waited.stderr.contains("did not finish"), "the first finished cleanly: \(waited.stderr)")
        XCTAssertEqual(try currentFileName(), "gen-000003.sqlite")
        XCTAssertEqual(generationFiles(), ["gen-000003.sqlite"], "no daemon holds the older ones")
        XCTAssertEqual(try String(contentsOfFile: lockFile, encoding: .utf8), "")
    }

    // MARK: - A generation that fails its checks

    func testADamagedGenerationFailsItsChecksAndIsNeverPublished() throws {
        let daemon = try startDaemon()
        let before = try Data(contentsOf: URL(fileURLWithPath: workspace.index + "/CURRENT"))

        let damaged = try FouilleProcess.run(
            ["rebuild", "--index", workspace.index, corpusB.path], environment: ["FOUILLE_REBUILD_FAULT": "damage"])
        XCTAssertEqual(damaged.status, 2, damaged.stderr)
        XCTAssertEqual(damaged.stdout, "")
        XCTAssertTrue(damaged.stderr.contains("the new generation gen-000002.sqlite failed its checks"), damaged.stderr)
        XCTAssertTrue(damaged.stderr.contains("the current generation stays in service"), damaged.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: workspace.index + "/CURRENT")), before, "CURRENT unchanged")
        for suffix in ["", "-wal", "-shm"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: workspace.index + "/gen-000002.sqlite" + suffix), suffix)
        }
        XCTAssertEqual(generationFiles(), ["gen-000001.sqlite"])

        // Past the daemon's next poll, still the old generation, whole.
        let client = try ProtocolClient(path: socket)
        let end = Date().addingTimeInterval(1.2)
        while Date() < end {
            XCTAssertEqual(Self.corpus(of: try client.send(Self.query)), "a")
            usleep(100_000)
        }
        XCTAssertTrue(try client.send("STATS").lines.contains("STAT\tgeneration\t1"))

        // The failed run still finished cleanly: the next one has nothing to say about it.
        let next = try FouilleProcess.run(["rebuild", "--index", workspace.index, corpusB.path])
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertFalse(next.stderr.contains("did not finish"), next.stderr)
        XCTAssertTrue(next.stdout.hasPrefix("published gen-000002.sqlite: 40 documents"), next.stdout)
        XCTAssertTrue(daemon.process.isRunning, daemon.stderr)
    }

    // MARK: - Disk usage

    func testFiveRebuildsWithADaemonServingLeaveOneGenerationFile() throws {
        let daemon = try startDaemon()
        let client = try ProtocolClient(path: socket)
        for round in 1...5 {
            let corpus = round % 2 == 1 ? corpusB : corpusA
            let rebuild = try FouilleProcess.run(["rebuild", "--index", workspace.index, corpus.path])
            XCTAssertEqual(rebuild.status, 0, rebuild.stderr)
            let number = String(format: "gen-%06d.sqlite", round + 1)
            XCTAssertTrue(rebuild.stdout.hasPrefix("published \(number): \(round % 2 == 1 ? 40 : 30) documents"), rebuild.stdout)
            let files = generationFiles()
            XCTAssertLessThanOrEqual(files.count, 2, "after rebuild \(round): \(files)")
            XCTAssertTrue(files.contains(number))
            XCTAssertNotNil(Self.corpus(of: try client.send(Self.query)), "a whole answer after rebuild \(round)")
        }
        XCTAssertTrue(poll(seconds: 3) { self.generationFiles() == ["gen-000006.sqlite"] }, "\(generationFiles())")
        XCTAssertTrue(poll(seconds: 3) { (try? client.send("STATS").lines.contains("STAT\tgeneration\t6")) == true })
        XCTAssertEqual(Self.corpus(of: try client.send(Self.query)), "b")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: workspace.index)
            .filter { $0.hasPrefix("gen-") && !$0.hasPrefix("gen-000006.sqlite") }
        XCTAssertEqual(leftovers, [], "no -wal or -shm of a deleted generation")
        XCTAssertTrue(daemon.process.isRunning, daemon.stderr)
    }

    /// A generation another process still reads (here the test process, as
    /// a daemon finishing its queries would) is kept, and removed by the
    /// next sweep after it is closed.
    func testAGenerationOpenInAnotherProcessIsKeptUntilItIsClosed() throws {
        let reader = try SearchIndex.open(location, readOnly: true)
        XCTAssertEqual(try reader.documentCount(), 30)

        let rebuild = try FouilleProcess.run(["rebuild", "--index", workspace.index, corpusB.path])
        XCTAssertEqual(rebuild.status, 0, rebuild.stderr)
        XCTAssertTrue(rebuild.stderr.contains("kept gen-000001.sqlite for now"), rebuild.stderr)
        XCTAssertEqual(generationFiles(), ["gen-000001.sqlite", "gen-000002.sqlite"])
        XCTAssertEqual(try reader.documentCount(), 30, "the reader's generation is whole")
        XCTAssertEqual(try reader.search("patrimoine", limit: 100).hits.count, 30)
        try reader.close()

        let next = try FouilleProcess.run(["rebuild", "--index", workspace.index, corpusB.path])
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertTrue(next.stderr.contains("removed gen-000001.sqlite (an earlier generation, no longer in use)"), next.stderr)
        XCTAssertFalse(next.stderr.contains("did not finish"), next.stderr)
        XCTAssertEqual(generationFiles(), ["gen-000003.sqlite"])
    }

    // MARK: - Output and the shrink guard

    func testAQuietRebuildPrintsNothing() throws {
        let quiet = try FouilleProcess.run(["rebuild", "-q", "--index", workspace.index])
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertEqual(quiet.stdout, "")
        XCTAssertEqual(quiet.stderr, "")
        XCTAssertEqual(try currentFileName(), "gen-000002.sqlite", "it did publish, from the folder the index records")
        let search = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "--limit", "100", "patrimoine"])
        XCTAssertEqual(search.stdout.split(separator: "\n").count, 30)
    }

    func testARebuildThatWouldShrinkTheIndexByMoreThanHalfIsRefused() throws {
        let corpusC = workspace.root.appendingPathComponent("corpus-c")
        for i in 1...3 {
            try write(corpusC, "c-\(i).txt", "Fête du village numéro \(i)\nLe patrimoine local à l’honneur.\nDanses et musique sur la place.\n")
        }
        let refused = try FouilleProcess.run(["rebuild", "--index", workspace.index, corpusC.path])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertEqual(refused.stdout, "")
        XCTAssertTrue(refused.stderr.contains("holds 3 documents where the one in service holds 30"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--allow-shrink"), refused.stderr)
        XCTAssertEqual(try currentFileName(), "gen-000001.sqlite")
        XCTAssertEqual(generationFiles(), ["gen-000001.sqlite"], "the refused generation is deleted")

        let allowed = try FouilleProcess.run(["rebuild", "--allow-shrink", "--index", workspace.index, corpusC.path])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        XCTAssertTrue(allowed.stdout.hasPrefix("published gen-000002.sqlite: 3 documents"), allowed.stdout)
        XCTAssertEqual(try currentFileName(), "gen-000002.sqlite")
        let search = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "patrimoine"])
        XCTAssertEqual(search.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[3]) }.sorted(),
                       ["c-1.txt", "c-2.txt", "c-3.txt"])
    }

    // MARK: - Helpers

    private func write(_ folder: URL, _ name: String, _ text: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    private func currentFileName() throws -> String {
        try String(contentsOfFile: workspace.index + "/CURRENT", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The `gen-*.sqlite` files of the index folder, sorted.
    private func generationFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: workspace.index)) ?? [])
            .filter { $0.hasPrefix("gen-") && $0.hasSuffix(".sqlite") }.sorted()
    }

    /// "a" or "b" when the answer is wholly one corpus (its total and every
    /// hit), nil otherwise.
    static func corpus(of reply: ProtocolClient.Reply) -> String? {
        guard reply.isOK, let total = reply.values["total"].flatMap(Int.init) else { return nil }
        let ids = reply.lines.map { line -> String in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            return fields.count > 3 && fields[0] == "HIT" ? String(fields[3]) : "?"
        }
        for (name, size) in [("a", 30), ("b", 40)] where total == size && ids.count == size {
            let expected = Set((1...size).map { String(format: "\(name)-%02d.txt", $0) })
            if Set(ids) == expected { return name }
        }
        return nil
    }

    private func corpus(of reply: ProtocolClient.Reply) -> String? { Self.corpus(of: reply) }

    private func background(_ arguments: [String], environment: [String: String] = [:]) throws -> BackgroundFouille {
        let process = try BackgroundFouille(arguments, environment: environment)
        started.append(process)
        return process
    }

    /// Starts `fouille serve` on the index and waits until it answers.
    private func startDaemon() throws -> BackgroundFouille {
        let daemon = try background(["serve", "--index", workspace.index, "--socket", socket, "--log-level", "info"])
        let ready = poll(seconds: 30) {
            (try? ProtocolClient(path: self.socket).send("PING"))?.final == "OK PONG" || !daemon.process.isRunning
        }
        guard ready, daemon.process.isRunning else {
            XCTFail("the daemon did not start: \(daemon.stderr)")
            throw SetupFailure()
        }
        return daemon
    }

    /// Starts `fouille rebuild` with `FOUILLE_REBUILD_FAULT=moment` and waits
    /// until it has announced its pause and is stopped.
    private func pausedRebuild(at moment: String, _ arguments: [String]) throws -> BackgroundFouille {
        let rebuild = try background(["rebuild", "--index", workspace.index] + arguments, environment: ["FOUILLE_REBUILD_FAULT": moment])
        let announced = poll(seconds: 20) {
            rebuild.stderr.contains("fouille: paused at \(moment) (pid \(rebuild.pid))") || !rebuild.process.isRunning
        }
        guard announced, rebuild.process.isRunning, poll(seconds: 5, { BackgroundFouille.isStopped(rebuild.pid) }) else {
            XCTFail("the rebuild did not pause at \(moment): \(rebuild.stdout) \(rebuild.stderr)")
            throw SetupFailure()
        }
        return rebuild
    }

    /// Checks `condition` every 20 ms until it holds or `seconds` pass.
    private func poll(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}

private struct SetupFailure: Error {}

/// What the client threads saw.
private final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var mixedReplies: [String] = []
    private var failures: [String] = []
    private var done = 0

    func record(_ corpus: String) { lock.withLock { counts[corpus, default: 0] += 1 } }
    func record(mixed reply: ProtocolClient.Reply) {
        let ids = reply.lines.compactMap { $0.split(separator: "\t").dropFirst(3).first }.joined(separator: ",")
        lock.withLock { mixedReplies.append("\(reply.final): \(ids)") }
    }
    func record(error: String) { lock.withLock { failures.append(error) } }
    func finished() { lock.withLock { done += 1 } }

    func count(_ corpus: String) -> Int { lock.withLock { counts[corpus, default: 0] } }
    var mixed: [String] { lock.withLock { mixedReplies } }
    var errors: [String] { lock.withLock { failures } }
    var finishedThreads: Int { lock.withLock { done } }
    var summary: String { lock.withLock { "\(counts), \(mixedReplies.count) mixed, \(failures.count) errors" } }
}

private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
