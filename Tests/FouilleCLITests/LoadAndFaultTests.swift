import FouilleIndex
import FouilleServer
import Foundation
import XCTest

/// The daemon and the writers as real processes under load and faults:
/// a connection storm, a client dribbling bytes, a query cut by its time
/// limit, `kill -9` of the daemon under load, `kill -9` of ingest and of
/// rebuild at random moments (looped), and a disk that fills up mid-ingest.
///
/// Already covered elsewhere and not repeated here: the connection limit and
/// idle/dribbling connections in-process
/// (`ServerIntegrationTests.testConnectionsPastTheLimitAreTurnedAwayBusy`,
/// `testIdleAndDribblingConnectionsAreClosed`), one `kill -9` of a long
/// ingest (`CommandLineTests.testAKilledIngestLeavesAValidIndexAndARerunCompletesIt`)
/// and rebuilds killed at three fixed moments (`RebuildProcessTests`).
final class LoadAndFaultTests: XCTestCase {
    var workspace: Workspace!
    private var started: [BackgroundFouille] = []
    var socket: String { workspace.root.appendingPathComponent("run/fouille.sock").path }
    var location: IndexLocation { IndexLocation(path: workspace.index) }

    override func setUpWithError() throws {
        // Writing to a connection the daemon closed must fail, not kill the test.
        signal(SIGPIPE, SIG_IGN)
        workspace = try Workspace()
    }

    override func tearDown() {
        BackgroundFouille.killRunning(started)
        started = []
        workspace = nil
    }

    // MARK: - Fixtures

    static let towns = ["Rennes", "Brest", "Quimper", "Lorient", "Vannes", "Saint-Malo", "Morlaix", "Dinan"]

    /// `count` bulletins `meteo/bulletin-NNNN.txt` (plus `body` text each).
    func writeBulletins(_ count: Int, under folder: String = "meteo", words: Int = 0) throws {
        for i in 0..<count {
            let town = Self.towns[i % Self.towns.count]
            var body = "Averses et orages à \(town) ce \(i % 28 + 1) du mois ; la préfecture appelle à la prudence."
            if words > 0 { body += " " + Self.distinctWords(from: i * words, count: words) }
            try workspace.write(String(format: "\(folder)/bulletin-%04d.txt", i), "Bulletin météo numéro \(i)\nPluie et vent sur la Bretagne.\n\(body)\n")
        }
    }

    /// Made-up words all starting with `a` and all different: what makes `a*` slow.
    static func distinctWords(from start: Int, count: Int) -> String {
        let letters = Array("bcdfghjklmnprstvz")
        return (start..<(start + count)).map { n -> String in
            var word = "a", value = n
            repeat {
                word.append(letters[value % letters.count])
                value /= letters.count
                word.append("eiou".randomElement()!)
            } while value > 0
            return word
        }.joined(separator: " ")
    }

    private func ingest(_ extra: [String] = [], folder: String? = nil) throws -> FouilleProcess.Output {
        try FouilleProcess.run(["ingest", "--quiet", "--index", workspace.index] + extra + [folder ?? workspace.articles.path])
    }

    private func background(_ arguments: [String], environment: [String: String] = [:]) throws -> BackgroundFouille {
        let process = try BackgroundFouille(arguments, environment: environment)
        started.append(process)
        return process
    }

    /// Starts `fouille serve` on the workspace's index and waits until it answers.
    private func startDaemon(_ extra: [String] = []) throws -> BackgroundFouille {
        let daemon = try background(["serve", "--index", workspace.index, "--socket", socket, "--log-level", "warning"] + extra)
        let ready = poll(seconds: 30) {
            (try? ProtocolClient(path: self.socket, timeout: 5).send("PING"))?.final == "OK PONG" || !daemon.process.isRunning
        }
        guard ready, daemon.process.isRunning else {
            XCTFail("the daemon did not start: \(daemon.stderr)")
            throw FaultSetupFailure()
        }
        return daemon
    }

    // MARK: - Connection storm

    /// 2,000 connections at once against the default limit of 512: exactly
    /// 512 are served, the 1,488 others get `ERR busy` and are closed, none
    /// hangs; afterwards the daemon serves normally and holds as many file
    /// descriptors as before the storm.
    func testAConnectionStormIsTurnedAwayBusyAndLeavesNoDescriptorBehind() throws {
        try writeBulletins(20)
        XCTAssertEqual(try ingest().status, 0)
        // Two thousand sockets here: more than the usual 1,024 descriptors.
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 4096 {
            limit.rlim_cur = min(max(limit.rlim_max, 4096), 65536)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        try XCTSkipIf(limit.rlim_cur < 2200, "the descriptor limit (\(limit.rlim_cur)) is too low for 2,000 connections")

        let daemon = try startDaemon()
        XCTAssertEqual(try ProtocolClient(path: socket).send("COUNT bretagne").final, "OK 20")
        usleep(200_000)
        let baseline = Self.openDescriptors(daemon.pid)

        let storm = 2000
        var connections: [LineSocket] = []
        var refusedToConnect = 0
        for _ in 0..<storm {
            do { connections.append(try LineSocket(path: socket, timeout: 10)) } catch { refusedToConnect += 1 }
        }
        XCTAssertEqual(refusedToConnect, 0, "every connection is accepted (then served or turned away)")
        for connection in connections { connection.write(Array("PING\n".utf8)) }
        var served = 0, busy = 0, other: [String] = []
        for connection in connections {
            let line = connection.readLine()
            if line == "OK PONG" {
                served += 1
            } else if let line, line.hasPrefix("ERR busy ") {
                busy += 1
                XCTAssertNil(connection.readLine(), "a busy connection is closed")
            } else {
                other.append(line ?? "(closed or timed out)")
            }
        }
        XCTAssertEqual(served, 512, "the limit's worth are served")
        XCTAssertEqual(busy, storm - 512)
        XCTAssertEqual(other, [])
        // The ones admitted are still served after the storm.
        XCTAssertEqual(try? connections.first.map { socket -> String? in
            socket.write(Array("COUNT bretagne\n".utf8))
            return socket.readLine()
        }, "OK 20")
        connections.removeAll()

        XCTAssertTrue(poll(seconds: 10) { Self.openDescriptors(daemon.pid) <= baseline },
                      "descriptors back to \(baseline): \(Self.openDescriptors(daemon.pid))")
        let after = try ProtocolClient(path: socket)
        XCTAssertEqual(try after.send("PING").final, "OK PONG")
        XCTAssertEqual(try after.send("COUNT bretagne").final, "OK 20")
        let stats = try after.send("STATS").lines
        XCTAssertTrue(stats.contains("STAT\tconnections\t1"), "\(stats)")
        XCTAssertTrue(daemon.process.isRunning)
    }

    /// Eight clients querying at once on four query threads, each thread
    /// reading through an SQLite connection of its own. Once they disconnect,
    /// the daemon holds as many descriptors as before (it used to keep each
    /// reader the load opened, the generation file and its `-wal` open).
    func testConcurrentQueriesLeaveTheDescriptorsAsTheyWere() throws {
        try writeBulletins(400, words: 20)
        XCTAssertEqual(try ingest().status, 0)
        let daemon = try startDaemon(["--threads", "4"])
        usleep(200_000)
        let before = Self.openDescriptors(daemon.pid)

        let requests = ["SEARCH orages quimper", "COUNT pluie bretagne", "SUGGEST préf", "SEARCH limit=50 a* prudence", "STATS"]
        final class Failures: @unchecked Sendable {
            let lock = NSLock()
            var replies: [String] = []
        }
        let failures = Failures()
        let group = DispatchGroup()
        let socket = self.socket
        for worker in 0..<8 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let client = try ProtocolClient(path: socket, timeout: 20)
                    for i in 0..<40 {
                        let reply = try client.send(requests[(worker + i) % requests.count])
                        if !reply.isOK { failures.lock.withLock { failures.replies.append(reply.final) } }
                    }
                } catch {
                    failures.lock.withLock { failures.replies.append("\(error)") }
                }
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(failures.lock.withLock { failures.replies }, [], "every request answered OK")
        XCTAssertTrue(poll(seconds: 10) { Self.openDescriptors(daemon.pid) == before },
                      "descriptors as before the load: \(before), then \(Self.openDescriptors(daemon.pid))")
        print("daemon descriptors: \(before) before the load, \(Self.openDescriptors(daemon.pid)) after")
    }

    // MARK: - Idle and dribbling clients

    /// With one slot and a one-second idle timeout, a client sending a byte
    /// a second holds the slot (a newcomer is told `ERR busy`) only until the
    /// timeout closes it; then a newcomer is served.
    func testASlowlorisClientCannotHoldTheOnlySlotPastTheIdleTimeout() throws {
        try writeBulletins(5)
        XCTAssertEqual(try ingest().status, 0)
        let daemon = try startDaemon(["--max-connections", "1", "--idle-timeout", "1"])
        usleep(300_000)  // the readiness probes' connections are gone
        let slowloris = try LineSocket(path: socket, timeout: 10)
        let began = Date()
        XCTAssertTrue(slowloris.write(Array("S".utf8)))
        let refused = try LineSocket(path: socket, timeout: 5)
        XCTAssertEqual(refused.readLine()?.hasPrefix("ERR busy"), true, "the slot is taken")

        // One byte a second, never a whole line; stops when the server hangs up.
        var closedAfter: Double?
        for byte in Array("EARCH bretagne".utf8) {
            sleep(1)
            if !slowloris.write([byte]) { closedAfter = Date().timeIntervalSince(began); break }
        }
        let end = slowloris.readLine()
        XCTAssertNil(end, "the server closed the dribbling connection")
        closedAfter = closedAfter ?? Date().timeIntervalSince(began)
        XCTAssertLessThan(closedAfter ?? 99, 4, "closed within the idle timeout and a check period")
        XCTAssertTrue(poll(seconds: 3) { (try? ProtocolClient(path: self.socket, timeout: 2).send("PING"))?.final == "OK PONG" },
                      "a newcomer is served once the slot is free")
        XCTAssertTrue(daemon.process.isRunning)
    }

    // MARK: - A query past its time limit

    /// A prefix matching thousands of distinct words on every document runs
    /// far longer than `--query-timeout 100`, mostly inside single SQLite
    /// steps (FTS5 expands each prefix in one): it is cut with `ERR timeout`
    /// soon after the limit, while another client's queries, on the other
    /// query thread, go on at their usual speed. The next query on the same
    /// connection is not cut by a late interrupt.
    func testALongQueryIsCutWithTimeoutAndOtherClientsDoNotStall() throws {
        try writeBulletins(1500, words: 60)
        XCTAssertEqual(try ingest(["--batch-files", "500"]).status, 0)
        let daemon = try startDaemon(["--query-timeout", "100", "--threads", "2"])

        let slow = try LineSocket(path: socket, timeout: 20)
        let quick = try ProtocolClient(path: socket, timeout: 20)
        let expected = try quick.send("COUNT orages quimper").final
        XCTAssertTrue(expected.hasPrefix("OK "), expected)
        let prefixes = "a* OR ab* OR ac* OR ad* OR af* OR ag* OR ah* OR aj* OR ak* OR al* OR am* OR an* OR ap* OR ar* OR as* OR at*"
        for request in ["SEARCH limit=10 \(prefixes)", "COUNT \(prefixes)"] {
            let sentAt = Date()
            slow.write(Array((request + "\n").utf8))
            usleep(20_000)
            var worst = 0.0
            var answered = 0
            while Date().timeIntervalSince(sentAt) < 0.09 {
                let began = Date()
                let reply = try quick.send("COUNT orages quimper")
                worst = max(worst, Date().timeIntervalSince(began))
                XCTAssertEqual(reply.final, expected)
                answered += 1
            }
            let answer = slow.readLine() ?? "(closed)"
            let took = Date().timeIntervalSince(sentAt)
            XCTAssertGreaterThan(answered, 0)
            XCTAssertLessThan(worst, 0.1, "the other client's queries did not wait for the slow one (\(answered) answered)")
            // The COUNT reuses the clause counts the SEARCH finished before it
            // was cut, and may end in time: then with the right count.
            XCTAssertTrue(answer.hasPrefix("ERR timeout ") || (request.hasPrefix("COUNT") && answer == "OK 1500"),
                          "\(request.prefix(20)): \(answer)")
            // Before the fix the SEARCH answered in full after 190–360 ms;
            // the slack is for a loaded machine waking the timer late.
            XCTAssertLessThan(took, 0.35, "cut near the 100 ms limit")
            print(String(format: "%@…: %@ after %.0f ms (limit 100 ms); other client: %d queries, worst %.1f ms",
                         String(request.prefix(20)) as NSString, String(answer.prefix(12)) as NSString, took * 1000,
                         answered, worst * 1000))
            // The same connection goes on, and its next query is not cut.
            slow.write(Array("COUNT orages quimper\n".utf8))
            XCTAssertEqual(slow.readLine(), expected)
        }
        XCTAssertTrue(daemon.process.isRunning)
    }

    // MARK: - kill -9 of the daemon under load

    /// Eight clients querying in a loop when the daemon is killed with
    /// SIGKILL: each sees the connection end (EOF or reset) within its
    /// deadline, never a hang. A new daemon serves the same index, unrepaired,
    /// with the same answers, and the file passes quick_check.
    func testKillingTheDaemonUnderLoadDisconnectsClientsCleanly() throws {
        try writeBulletins(200)
        XCTAssertEqual(try ingest().status, 0)
        let daemon = try startDaemon()
        let before = try ProtocolClient(path: socket).send("SEARCH limit=20 orages quimper")
        XCTAssertTrue(before.isOK)

        final class Outcomes: @unchecked Sendable {
            let lock = NSLock()
            var answered = 0
            var endings: [String] = []
        }
        let outcomes = Outcomes()
        let group = DispatchGroup()
        let socket = self.socket
        for _ in 0..<8 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let client = try ProtocolClient(path: socket, timeout: 5)
                    while true {
                        let reply = try client.send("SEARCH limit=10 averses OR orages OR bretagne")
                        guard reply.isOK else {
                            outcomes.lock.withLock { outcomes.endings.append("ERR: \(reply.final)") }
                            return
                        }
                        outcomes.lock.withLock { outcomes.answered += 1 }
                    }
                } catch {
                    outcomes.lock.withLock { outcomes.endings.append("\(error)") }
                }
            }.start()
        }
        XCTAssertTrue(poll(seconds: 10) { outcomes.lock.withLock { outcomes.answered } >= 200 })
        kill(daemon.pid, SIGKILL)
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success, "no client hangs")
        let endings = outcomes.lock.withLock { outcomes.endings }
        XCTAssertEqual(endings.count, 8)
        for ending in endings {
            XCTAssertTrue(ending.contains("closed the connection before answering"), "a clean disconnect: \(ending)")
        }
        XCTAssertEqual(daemon.finish().reason, .uncaughtSignal)

        // The stale socket is replaced; the index opens as it is.
        let again = try startDaemon()
        let after = try ProtocolClient(path: socket).send("SEARCH limit=20 orages quimper")
        XCTAssertEqual(after.lines, before.lines, "the same answer from the same index")
        XCTAssertEqual(after.values["total"], before.values["total"])
        kill(again.pid, SIGTERM)
        XCTAssertEqual(again.finish().status, 0)
        let index = try SearchIndex.open(location)
        XCTAssertNoThrow(try index.integrityCheck(), "quick_check and FTS5 integrity-check pass")
        XCTAssertEqual(try index.documentCount(), 200)
        try index.close()
    }

    // MARK: - kill -9 of ingest and rebuild at random moments

    /// Twenty ingests of 120 files in batches of 5, each killed with SIGKILL
    /// at a random moment: every time the index passes quick_check and FTS5
    /// integrity-check and holds whole batches only; the rerun completes it.
    func testIngestsKilledAtRandomMomentsKeepWholeBatches() throws {
        let files = 120, batch = 5, rounds = 20
        try writeBulletins(files)
        // How long a whole run takes, to aim the kills inside it.
        let timing = Date()
        XCTAssertEqual(try ingest(["--batch-files", "\(batch)"]).status, 0)
        let whole = Date().timeIntervalSince(timing)
        var generator = SystemRandomNumberGenerator()
        var kills = 0, counts: [Int] = []
        for round in 0..<rounds {
            try? FileManager.default.removeItem(atPath: workspace.index)
            let delay = Double.random(in: 0.02...max(0.05, whole * 0.8), using: &generator)
            let run = try background(["ingest", "--quiet", "--batch-files", "\(batch)", "--index", workspace.index, workspace.articles.path])
            usleep(UInt32(delay * 1e6))
            if run.process.isRunning {
                kill(run.pid, SIGKILL)
                kills += 1
            }
            _ = run.finish()
            var kept = 0
            if (try? location.currentGeneration()) != nil {
                let index = try SearchIndex.open(location)
                XCTAssertNoThrow(try index.integrityCheck(), "round \(round), killed after \(delay) s")
                kept = try index.documentCount()
                try index.close()
            }
            counts.append(kept)
            XCTAssertTrue(kept % batch == 0 || kept == files, "round \(round): \(kept) documents is not whole batches")
            let rerun = try ingest(["--batch-files", "\(batch)"])
            XCTAssertEqual(rerun.status, 0, "round \(round): \(rerun.stderr)")
            let index = try SearchIndex.open(location, readOnly: true)
            XCTAssertEqual(try index.documentCount(), files, "round \(round): the rerun completes the index")
            try index.close()
        }
        XCTAssertGreaterThanOrEqual(kills, rounds / 4, "runs were killed mid-way: \(counts)")
        print("ingest kills: \(kills) of \(rounds) runs killed mid-way; documents kept: \(counts)")
    }

    /// Ten rebuilds killed with SIGKILL at random moments while a daemon
    /// serves: the served generation stays whole (same count, checks pass)
    /// and the next rebuild publishes.
    func testRebuildsKilledAtRandomMomentsLeaveTheServedGenerationWhole() throws {
        let files = 60, rounds = 10
        try writeBulletins(files)
        XCTAssertEqual(try ingest().status, 0)
        let daemon = try startDaemon()
        let client = try ProtocolClient(path: socket)
        let timing = Date()
        let first = try FouilleProcess.run(["rebuild", "--quiet", "--batch-files", "5", "--index", workspace.index])
        XCTAssertEqual(first.status, 0, first.stderr)
        let whole = Date().timeIntervalSince(timing)
        var kills = 0
        for round in 0..<rounds {
            let delay = Double.random(in: 0.02...max(0.05, whole * 0.8))
            let run = try background(["rebuild", "--quiet", "--batch-files", "5", "--index", workspace.index])
            usleep(UInt32(delay * 1e6))
            if run.process.isRunning {
                kill(run.pid, SIGKILL)
                kills += 1
            }
            _ = run.finish()
            let served = try location.currentGeneration()
            XCTAssertTrue(FileManager.default.fileExists(atPath: served.file.path), "round \(round)")
            XCTAssertEqual(try client.send("COUNT bretagne").final, "OK \(files)", "round \(round): the daemon answers whole")
            let index = try SearchIndex.open(location, generation: served, readOnly: false)
            XCTAssertNoThrow(try index.integrityCheck(), "round \(round)")
            XCTAssertEqual(try index.documentCount(), files)
            try index.close()
            let next = try FouilleProcess.run(["rebuild", "--quiet", "--batch-files", "5", "--index", workspace.index])
            XCTAssertEqual(next.status, 0, "round \(round): \(next.stderr)")
            XCTAssertNotEqual(try location.currentGeneration(), served, "round \(round): a new generation is published")
        }
        XCTAssertTrue(poll(seconds: 3) { (try? client.send("COUNT bretagne").final) == "OK \(files)" })
        XCTAssertTrue(daemon.process.isRunning, daemon.stderr)
        XCTAssertGreaterThanOrEqual(kills, rounds / 4)
        print("rebuild kills: \(kills) of \(rounds) runs killed mid-way")
    }

    // MARK: - Disk full

    /// The index on a 2 MB tmpfs (else, a file-size limit on the ingest):
    /// an ingest that outgrows it fails with a clear message and status 2;
    /// the index keeps every document committed before, passes its checks,
    /// and a daemon serving it goes on answering.
    func testADiskFullDuringIngestFailsClearlyAndLosesNothing() throws {
        let mountPoint = workspace.root.appendingPathComponent("small-disk")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        let mounted = Self.shell("mount -t tmpfs -o size=2m tmpfs '\(mountPoint.path)'") == 0
        defer { if mounted { _ = Self.shell("umount -l '\(mountPoint.path)'") } }
        let index = mounted ? mountPoint.appendingPathComponent("index").path : workspace.index

        try writeBulletins(30, under: "first")
        let first = try FouilleProcess.run(["ingest", "--quiet", "--index", index, workspace.articles.appendingPathComponent("first").path])
        XCTAssertEqual(first.status, 0, first.stderr)
        // Some 180,000 distinct words: far more than 2 MB of index.
        try writeBulletins(600, under: "second", words: 300)
        let second = workspace.articles.appendingPathComponent("second").path
        let daemon = try background(["serve", "--index", index, "--socket", socket, "--log-level", "warning"])
        XCTAssertTrue(poll(seconds: 30) { (try? ProtocolClient(path: self.socket).send("PING"))?.final == "OK PONG" }, daemon.stderr)

        let full: FouilleProcess.Output
        if mounted {
            full = try FouilleProcess.run(["ingest", "--batch-files", "100", "--index", index, second])
        } else {
            // No tmpfs: the file-size limit (SIGXFSZ ignored, so writes fail with EFBIG).
            let size = (try? FileManager.default.attributesOfItem(atPath: try IndexLocation(path: index).currentGeneration().file.path)[.size] as? Int) ?? 0
            try XCTSkipIf(size == 0, "cannot mount a tmpfs and cannot size the index for a file-size limit")
            full = try Self.runLimited(fileBlocks: (size + 2_000_000) / 1024, ["ingest", "--batch-files", "100", "--index", index, second])
        }
        XCTAssertEqual(full.status, 2, "a fatal error: \(full.stdout) \(full.stderr)")
        XCTAssertTrue(full.stderr.contains("fouille: "), full.stderr)
        XCTAssertTrue(full.stderr.contains("disk is full") || full.stderr.contains("too large"), "says why: \(full.stderr)")
        XCTAssertTrue(full.stderr.contains(index), "names the file: \(full.stderr)")
        XCTAssertFalse(full.stderr.contains("Fatal error"), "no crash: \(full.stderr)")

        // Nothing committed is lost, the file is whole, the daemon still serves.
        let reader = try SearchIndex.open(IndexLocation(path: index), readOnly: true)
        let kept = try reader.documentCount()
        try reader.close()
        XCTAssertGreaterThanOrEqual(kept, 30, "the documents committed before are all there")
        XCTAssertLessThan(kept, 630)
        XCTAssertEqual(try ProtocolClient(path: socket).send("COUNT numero").final, "OK \(kept)")
        XCTAssertTrue(daemon.process.isRunning, daemon.stderr)
        kill(daemon.pid, SIGTERM)
        _ = daemon.finish()
        let checked = try SearchIndex.open(IndexLocation(path: index))
        XCTAssertNoThrow(try checked.integrityCheck())
        XCTAssertEqual(try checked.documentCount(), kept)
        try checked.close()
        print("disk full: \(mounted ? "tmpfs of 2 MB" : "file-size limit"), \(kept) documents kept, status \(full.status): \(full.stderr.split(separator: "\n").last ?? "")")
    }

    // MARK: - Helpers

    static func openDescriptors(_ pid: pid_t) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    @discardableResult
    static func shell(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>/dev/null"]
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// `fouille` under `ulimit -f` with SIGXFSZ ignored.
    static func runLimited(fileBlocks: Int, _ arguments: [String]) throws -> FouilleProcess.Output {
        let quoted = ([FouilleProcess.binary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return try FouilleProcess.runProgram("/bin/bash", ["-c", "trap '' XFSZ; ulimit -f \(fileBlocks); exec \(quoted)"])
    }

    /// Checks `condition` every 20 ms until it holds or `seconds` pass.
    func poll(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}

struct FaultSetupFailure: Error {}
