import FouilleIndex
import FouilleServer
import Foundation
import XCTest

/// `fouille serve` as a real process: signals, a second daemon, the clients.
final class DaemonProcessTests: XCTestCase {
    var workspace: Workspace!
    var socket: String { workspace.root.appendingPathComponent("run/fouille.sock").path }

    /// XCTest keeps every test case object until the run ends: drop the
    /// workspace here so that its folder goes with it.
    override func tearDown() {
        workspace = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        workspace = try Workspace()
        for i in 0..<400 {
            try workspace.write(
                "meteo/bulletin-\(i).txt",
                "Bulletin météo numéro \(i)\nPluie et vent sur la Bretagne.\n"
                    + String(repeating: "Averses, orages et grêle à Rennes, Brest et Quimper. ", count: 10) + "\n")
        }
        try workspace.write("nickel.txt", "Nouvelle-Calédonie : l'usine de nickel à l'arrêt\nLes salariés craignent pour leur emploi.\n")
        let ingest = try FouilleProcess.run(["ingest", "--quiet", "--index", workspace.index, workspace.articles.path])
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
    }

    /// Starts `fouille serve` and waits until it answers.
    private func startDaemon(_ extra: [String] = []) throws -> Process {
        try FouilleProcess.startDaemon(index: workspace.index, socket: socket, extra)
    }

    func testClientCommandsTalkToTheDaemon() throws {
        let daemon = try startDaemon()
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let ping = try FouilleProcess.run(["ping", "--socket", socket])
        XCTAssertEqual(ping.status, 0)
        XCTAssertEqual(ping.stdout, "OK PONG\n")

        let viaDaemon = try FouilleProcess.run(["search", "--socket", socket, "--format", "tsv", "--limit", "3", "bretagne", "-quimper", "nickel"])
        let direct = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "--limit", "3", "bretagne", "-quimper", "nickel"])
        XCTAssertEqual(viaDaemon.status, 0, viaDaemon.stderr)
        XCTAssertFalse(viaDaemon.stdout.isEmpty)
        XCTAssertEqual(viaDaemon.stdout, direct.stdout, "both modes print the same")
        let text = try FouilleProcess.run(["search", "--socket", socket, "nickel"], environment: [:])
        XCTAssertTrue(text.stdout.contains("1–1 of 1 documents"), text.stdout)
        let env = try FouilleProcess.run(["search", "--format", "json", "nickel"], environment: ["FOUILLE_SOCKET": socket])
        XCTAssertTrue(env.stdout.contains("\"id\":\"nickel.txt\""), env.stdout)

        let stats = try FouilleProcess.run(["stats", "--socket", socket])
        XCTAssertTrue(stats.stdout.contains("documents\t401\n"), stats.stdout)
        let suggest = try FouilleProcess.run(["suggest", "--socket", socket, "bret"])
        XCTAssertEqual(suggest.stdout, "Bretagne\t400\n", "spelled as the documents write it")
    }

    func testASecondDaemonOnTheSameSocketRefusesToStart() throws {
        let daemon = try startDaemon()
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let second = try FouilleProcess.run(["serve", "--index", workspace.index, "--socket", socket])
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.contains("already listens on \(socket)"), second.stderr)
        XCTAssertEqual(try ProtocolClient(path: socket).send("PING").final, "OK PONG")
    }

    func testServingAMissingIndexFailsClearly() throws {
        let result = try FouilleProcess.run(["serve", "--index", workspace.root.appendingPathComponent("none").path, "--socket", socket])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("no index at"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: socket))
    }

    func testABadPostingsMemoryIsRefusedBeforeServing() throws {
        for value in ["-1", "2000000", "lots"] {
            let result = try FouilleProcess.run(["serve", "--index", workspace.index, "--socket", socket, "--postings-memory", value])
            XCTAssertNotEqual(result.status, 0, value)
            XCTAssertTrue(result.stderr.contains("postings-memory"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: socket))
        }
    }

    /// SIGTERM with requests in flight: each is answered in full or refused
    /// `ERR shutting_down`; the daemon exits 0 and removes its socket.
    func testSIGTERMFinishesRequestsInFlightAndExitsCleanly() throws {
        let daemon = try startDaemon()
        let connections = try (0..<4).map { _ in try RawSocket(socket) }
        for connection in connections {
            connection.send(String(repeating: "SEARCH limit=20 pluie OR orages OR grele OR rennes\nCOUNT bretagne\n", count: 100))
        }
        // Wait for the first answer, then stop the daemon mid-stream.
        let first = connections[0].readLine()
        XCTAssertEqual(first?.hasPrefix("HIT\t1\t"), true)
        kill(daemon.processIdentifier, SIGTERM)

        var complete = 0, refused = 0
        for (number, connection) in connections.enumerated() {
            var lines: [String] = number == 0 ? [first ?? ""] : []
            while let line = connection.readLine() {
                if line.hasPrefix("HIT\t") { lines.append(line); continue }
                if line.hasPrefix("OK total=") {
                    XCTAssertTrue(line.hasPrefix("OK total=400 returned=20 "), line)
                    XCTAssertEqual(lines.count, 20, "a search answered in full")
                    complete += 1
                } else if line == "OK 400" {
                    complete += 1
                } else {
                    XCTAssertEqual(line, "ERR shutting_down the server is stopping")
                    XCTAssertTrue(lines.isEmpty)
                    refused += 1
                }
                lines = []
            }
        }
        daemon.waitUntilExit()
        XCTAssertEqual(daemon.terminationReason, .exit)
        XCTAssertEqual(daemon.terminationStatus, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: socket), "the socket is removed")
        XCTAssertGreaterThan(complete, 0)
        XCTAssertLessThanOrEqual(refused, 4, "at most one refusal per connection, then it closes")
    }

    func testDocumentsFromAConcurrentIngestAreServed() throws {
        let daemon = try startDaemon()
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let client = try ProtocolClient(path: socket)
        XCTAssertEqual(try client.send("COUNT vendanges").final, "OK 0")
        try workspace.write("vin/vendanges.txt", "Les vendanges commencent en Bourgogne\nUne récolte précoce.\n")
        let ingest = try FouilleProcess.run(["ingest", "--index", workspace.index, workspace.articles.path])
        XCTAssertTrue(ingest.stdout.hasPrefix("added=1 updated=0 unchanged=401"), ingest.stdout)
        XCTAssertEqual(try client.send("COUNT vendanges").final, "OK 1")
    }
}


/// A raw connection, for what `ProtocolClient` would never send: partial
/// lines, invalid UTF-8, pipelined batches.
typealias RawSocket = LineSocket

extension LineSocket {
    convenience init(_ path: String) throws {
        try self.init(path: path, timeout: 20)
    }

    func send(_ bytes: [UInt8]) { write(bytes) }
    func send(_ text: String) { write(Array(text.utf8)) }
}
