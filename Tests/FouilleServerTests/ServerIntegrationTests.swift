import FouilleIndex
@testable import FouilleServer
import Foundation
import XCTest

/// The daemon on a real Unix socket, over a real index.
final class ServerIntegrationTests: XCTestCase {
    func testEveryCommand() async throws {
        let daemon = try await TestDaemon()
        let client = try daemon.client()
        XCTAssertEqual(try client.send("PING").final, "OK PONG")
        XCTAssertEqual(try client.send("ping").final, "OK PONG", "verbs are case-insensitive")

        let search = try client.send("SEARCH limit=2 coree du nord")
        XCTAssertEqual(search.lines.count, 1)
        let hit = try XCTUnwrap(HitLine(line: search.lines[0]))
        XCTAssertEqual(hit.rank, 1)
        XCTAssertEqual(hit.id, "2025/08/poutine-kim.txt")
        XCTAssertEqual(hit.matches, ["Corée du Nord"], "adjacent matches make one span")
        XCTAssertTrue(search.final.hasPrefix("OK total=1 returned=1 took_ms="), search.final)

        let paged = try client.send("SEARCH limit=1 offset=1 le la des nickel canicule")
        XCTAssertEqual(paged.values["total"], "2")
        XCTAssertEqual(paged.values["returned"], "1")
        XCTAssertEqual(HitLine(line: paged.lines[0])?.rank, 2)

        XCTAssertEqual(try client.send("COUNT nickel OR canicule").final, "OK 2")
        XCTAssertEqual(try client.send("COUNT le la les").final, "OK 0")

        XCTAssertNil(search.values["corrected"])
        let misspelt = try client.send("SEARCH canicuel")
        XCTAssertEqual(HitLine(line: misspelt.lines.first ?? "")?.id, "2025/08/canicule.txt")
        XCTAssertEqual(misspelt.values["corrected"], "canicuel:canicule", misspelt.final)

        let none = try client.send("SEARCH le la les")
        XCTAssertEqual(none.lines, [])
        XCTAssertTrue(none.final.hasPrefix("OK total=0 returned=0 took_ms="))

        let suggest = try client.send("SUGGEST coop")
        XCTAssertEqual(suggest.lines, ["TERM\tcoopération\t1"])
        XCTAssertEqual(suggest.final, "OK returned=1")
        XCTAssertEqual(try client.send("SUGGEST limit=1 n").lines.count, 1)

        let stats = try client.send("STATS")
        var values: [String: String] = [:]
        for line in stats.lines {
            let fields = line.split(separator: "\t").map(String.init)
            XCTAssertEqual(fields.count, 3)
            XCTAssertEqual(fields[0], "STAT")
            values[fields[1]] = fields[2]
        }
        XCTAssertEqual(values["documents"], "3")
        XCTAssertEqual(values["generation"], "1")
        XCTAssertEqual(values["connections"], "1")
        XCTAssertGreaterThanOrEqual(Int(values["queries"] ?? "") ?? 0, 5)
        for key in ["index_bytes", "uptime_s", "errors", "query_p50_ms", "query_p99_ms", "generation_built_at"] {
            XCTAssertNotNil(values[key], key)
        }

        XCTAssertEqual(try client.send("RELOAD").final, "OK generation=1")
        let help = try client.send("HELP")
        XCTAssertTrue(help.lines.allSatisfy { $0.hasPrefix("HELP\t") })
        XCTAssertEqual(help.lines.count, Request.verbs.count)
        XCTAssertEqual(try client.send("QUIT").final, "OK BYE")
        XCTAssertThrowsError(try client.send("PING"), "the server closed the connection")
        try await daemon.stop()
    }

    /// The postings of the phrases queries use are held within the memory
    /// given (STATS says so), and none with 0; the answers are the same.
    func testPostingsAreHeldWithinTheMemoryGiven() async throws {
        func run(postingsMemory: Int) async throws -> (answers: [String], phrases: Int, bytes: Int) {
            let daemon = try await TestDaemon { $0.limits.postingsMemory = postingsMemory }
            let client = try daemon.client()
            var answers: [String] = []
            for _ in 0..<3 {
                for query in ["coree du nord", "canicule nickel", "la coopération des deux pays", "le nickel de Nouvelle-Calédonie"] {
                    let answer = try client.send("SEARCH \(query)")
                    answers.append((answer.lines + [answer.final.replacingOccurrences(of: #"took_ms=\S+"#, with: "", options: .regularExpression)])
                        .joined(separator: "\n"))
                }
                usleep(200_000)  // the postings are read on another thread
            }
            var values: [String: String] = [:]
            for line in try client.send("STATS").lines {
                let fields = line.split(separator: "\t").map(String.init)
                values[fields[1]] = fields[2]
            }
            try await daemon.stop()
            return (answers, Int(values["postings_phrases"] ?? "") ?? -1, Int(values["postings_bytes"] ?? "") ?? -1)
        }
        let held = try await run(postingsMemory: 16 << 20)
        XCTAssertGreaterThan(held.phrases, 3)
        XCTAssertGreaterThan(held.bytes, 0)
        XCTAssertLessThan(held.bytes, 16 << 20)
        let none = try await run(postingsMemory: 0)
        XCTAssertEqual(none.phrases, 0)
        XCTAssertEqual(none.bytes, 0)
        XCTAssertEqual(none.answers, held.answers)
    }

    func testErrorsLeaveTheConnectionUsable() async throws {
        let daemon = try await TestDaemon()
        let client = try daemon.client()
        XCTAssertEqual(try client.send("FROBNICATE now").final, "ERR unknown_command FROBNICATE (try HELP)")
        XCTAssertEqual(try client.send("").final, "ERR unknown_command empty request (try HELP)")
        XCTAssertTrue(try client.send("SEARCH limit=abc corée").final.hasPrefix("ERR bad_argument limit"))
        XCTAssertTrue(try client.send("SEARCH offset=-3 corée").final.hasPrefix("ERR bad_argument offset"))
        XCTAssertTrue(try client.send("PING now").final.hasPrefix("ERR bad_argument"))
        XCTAssertTrue(try client.send("SEARCH offset= corée").final.hasPrefix("ERR bad_argument offset"))
        XCTAssertTrue(try client.send("SEARCH limit=1 limit=2 corée").final.hasPrefix("ERR bad_argument limit given twice"))
        XCTAssertEqual(try client.send("PING").final, "OK PONG")
        // A limit past the maximum is capped, not refused.
        XCTAssertTrue(try client.send("SEARCH limit=999999 nickel").final.hasPrefix("OK total=1 returned=1"))
        try await daemon.stop()
    }

    func testInvalidUTF8GetsBadEncodingAndTheConnectionGoesOn() async throws {
        let daemon = try await TestDaemon()
        let raw = try RawConnection(daemon.socketPath)
        raw.send([0x53, 0x45, 0x41, 0x52, 0x43, 0x48, 0x20, 0xC3, 0x28, 0xFF, 0x0A])
        XCTAssertEqual(raw.readResponse(), ["ERR bad_encoding the request is not valid UTF-8"])
        raw.send("PING\r\n")
        XCTAssertEqual(raw.readResponse(), ["OK PONG"], "CR LF accepted")
        try await daemon.stop()
    }

    func testPipelinedRequestsAreAnsweredInOrder() async throws {
        let daemon = try await TestDaemon()
        let raw = try RawConnection(daemon.socketPath)
        var batch = ""
        let queries = ["nickel", "canicule", "corée", "FOO", "nickel OR canicule", "le"]
        for (i, query) in queries.enumerated() { batch += i == 3 ? "FOO\n" : "COUNT \(query)\nPING\n" }
        raw.send(batch)
        for (i, _) in queries.enumerated() {
            if i == 3 {
                XCTAssertEqual(raw.readResponse(), ["ERR unknown_command FOO (try HELP)"])
                continue
            }
            let expected = ["1", "1", "1", "", "2", "0"][i]
            XCTAssertEqual(raw.readResponse(), ["OK \(expected)"], "answer \(i)")
            XCTAssertEqual(raw.readResponse(), ["OK PONG"])
        }
        try await daemon.stop()
    }

    func testALineTooLongClosesOnlyThatConnection() async throws {
        let daemon = try await TestDaemon { $0.limits.maximumLineLength = 1024 }
        let other = try daemon.client()
        let raw = try RawConnection(daemon.socketPath)
        raw.send("SEARCH " + String(repeating: "corée ", count: 400))
        let answer = raw.readResponse()
        XCTAssertEqual(answer.count, 1)
        XCTAssertTrue(answer[0].hasPrefix("ERR line_too_long"), "\(answer)")
        XCTAssertTrue(raw.isClosedByServer)
        XCTAssertEqual(try other.send("PING").final, "OK PONG")
        try await daemon.stop()
    }

    /// Everything a person might type comes back `OK`.
    func testHostileQueriesAreAnsweredOK() async throws {
        let daemon = try await TestDaemon()
        let client = try daemon.client()
        let hostile = [
            "\"unbalanced", "NEAR(", "*", "-", ":", "AND OR", ")", "(", "\"\"", "title:", "-\"", "OR", "NOT",
            "\u{1F600} corée", "' OR 1=1 --", "\"; DROP TABLE documents; --", "{title lead}: x", "^nickel",
            "coree\"*", "***", "limit=5", "prix=bas", String(repeating: "x", count: 10_000),
            String(repeating: "corée ", count: 1500), String(repeating: "(", count: 300),
        ]
        for query in hostile {
            for verb in ["SEARCH", "COUNT", "SUGGEST"] {
                let reply = try client.send("\(verb) \(query)")
                XCTAssertTrue(reply.final.hasPrefix("OK"), "\(verb) \(query.prefix(30)): \(reply.final)")
            }
        }
        try await daemon.stop()
    }

    /// 100 clients at once, each checking its own answers.
    func testAHundredConcurrentClientsGetCorrectAnswers() async throws {
        let daemon = try await TestDaemon()
        let expected: [(String, String)] = [
            ("nickel", "2025/09/nickel.txt"), ("canicule", "2025/08/canicule.txt"),
            ("coree", "2025/08/poutine-kim.txt"), ("bordeaux", "2025/08/canicule.txt"),
            ("archipel", "2025/09/nickel.txt"), ("cooperation", "2025/08/poutine-kim.txt"),
        ]
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 100) { client in
            do {
                let connection = try ProtocolClient(path: daemon.socketPath, timeout: 30)
                for round in 0..<10 {
                    let (query, id) = expected[(client + round) % expected.count]
                    let reply = try connection.send("SEARCH limit=3 \(query)")
                    guard reply.final.hasPrefix("OK total=1 returned=1"), HitLine(line: reply.lines.first ?? "")?.id == id else {
                        failures.add("client \(client) \(query): \(reply.lines) \(reply.final)")
                        continue
                    }
                }
            } catch {
                failures.add("client \(client): \(error)")
            }
        }
        XCTAssertEqual(failures.all, [])
        try await daemon.stop()
    }

    func testConnectionsPastTheLimitAreTurnedAwayBusy() async throws {
        let daemon = try await TestDaemon { $0.limits.maximumConnections = 3 }
        let kept = try (0..<3).map { _ in try daemon.client() }
        for client in kept { XCTAssertEqual(try client.send("PING").final, "OK PONG") }
        let refused = try RawConnection(daemon.socketPath)
        let answer = refused.readResponse()
        XCTAssertTrue(answer.first?.hasPrefix("ERR busy") ?? false, "\(answer)")
        XCTAssertTrue(refused.isClosedByServer)
        XCTAssertEqual(try kept[0].send("PING").final, "OK PONG", "the others are still served")
        // Once a slot frees, a newcomer is served again.
        _ = try kept[2].send("QUIT")
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertEqual(try daemon.client().send("PING").final, "OK PONG")
        try await daemon.stop()
    }

    func testIdleAndDribblingConnectionsAreClosed() async throws {
        let daemon = try await TestDaemon { $0.limits.idleTimeout = .milliseconds(400) }
        let idle = try RawConnection(daemon.socketPath)
        let dribbling = try RawConnection(daemon.socketPath)
        let started = Date()
        for byte in Array("PI".utf8) {
            dribbling.send([byte])
            try await Task.sleep(for: .milliseconds(150))
        }
        XCTAssertTrue(idle.isClosedByServer)
        XCTAssertTrue(dribbling.isClosedByServer, "bytes without a whole line do not keep a connection")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        try await daemon.stop()
    }

    func testAQueryPastTheTimeLimitAnswersTimeout() async throws {
        let many = (0..<300).map { i in
            ("meteo-\(i).txt", "Bulletin météo \(i)", "Pluie et vent sur la Bretagne.", "Averses, orages et grêle à Rennes, Brest et Quimper, jour \(i).")
        }
        let daemon = try await TestDaemon(TestDaemon.articles + many) { $0.limits.queryTimeLimit = .nanoseconds(1) }
        let client = try daemon.client()
        let reply = try client.send("SEARCH pluie OR averses OR orages OR bretagne OR rennes")
        XCTAssertTrue(reply.final.hasPrefix("ERR timeout"), reply.final)
        XCTAssertEqual(try client.send("PING").final, "OK PONG")
        try await daemon.stop()
    }

    func testDocumentsAddedByAConcurrentIngestAreFound() async throws {
        let daemon = try await TestDaemon()
        let client = try daemon.client()
        XCTAssertEqual(try client.send("COUNT vendanges").final, "OK 0")
        try daemon.add([("2025/09/vendanges.txt", "Les vendanges commencent en Bourgogne", "Une récolte précoce.", "Les vignerons sont satisfaits.")])
        XCTAssertEqual(try client.send("COUNT vendanges").final, "OK 1")
        XCTAssertEqual(try client.send("COUNT canicule").final, "OK 1")
    }

    func testANewGenerationIsServedWithinASecond() async throws {
        let daemon = try await TestDaemon()
        let client = try daemon.client()
        // Publish a generation 2 holding one more article, as a rebuild would.
        let first = try daemon.location.currentGeneration()
        let second = daemon.location.folder.appendingPathComponent("gen-000002.sqlite")
        let index = try SearchIndex.open(daemon.location)
        try index.checkpoint()
        try index.close()
        try FileManager.default.copyItem(at: first.file, to: second)
        try daemon.location.publish(Generation(number: 2, file: second))
        let published = Date()
        var generation = ""
        while Date().timeIntervalSince(published) < 3 {
            let stats = try client.send("STATS").lines
            generation = stats.first { $0.hasPrefix("STAT\tgeneration\t") }?.split(separator: "\t").last.map(String.init) ?? ""
            if generation == "2" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertEqual(generation, "2")
        XCTAssertLessThan(Date().timeIntervalSince(published), 1.0)
        XCTAssertEqual(try client.send("COUNT nickel").final, "OK 1")
        XCTAssertEqual(try client.send("RELOAD").final, "OK generation=2")
        try await daemon.stop()
    }

    func testShutdownRemovesTheSocketAndRefusesLateRequests() async throws {
        let daemon = try await TestDaemon()
        let client = try daemon.client()
        XCTAssertEqual(try client.send("PING").final, "OK PONG")
        try await daemon.stop()
        XCTAssertFalse(FileManager.default.fileExists(atPath: daemon.socketPath))
        XCTAssertThrowsError(try client.send("PING"))
        XCTAssertThrowsError(try daemon.client()) { error in
            XCTAssertTrue("\(error)".contains("(no such file): is 'fouille serve' running?"), "\(error)")
        }
    }

    func testALiveDaemonKeepsItsSocketAndAStaleOneIsReplaced() async throws {
        let daemon = try await TestDaemon()
        XCTAssertThrowsError(try SocketPath.claim(daemon.socketPath)) { error in
            XCTAssertEqual(error as? SocketPath.ClaimError, .alreadyServed(daemon.socketPath))
        }
        XCTAssertEqual(try daemon.client().send("PING").final, "OK PONG", "the live daemon was not disturbed")
        try await daemon.stop()

        // A socket file left by a killed daemon: bound, never unlinked, nobody listening.
        let stale = daemon.folder.appendingPathComponent("stale.sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: stale.utf8) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        XCTAssertTrue(FileManager.default.fileExists(atPath: stale))
        let second = try await TestDaemon { $0.socketPath = stale }
        XCTAssertEqual(try ProtocolClient(path: stale).send("PING").final, "OK PONG")
        try await second.stop()

        // A file that is not a socket is never removed.
        let precious = daemon.folder.appendingPathComponent("notes.txt").path
        try Data("à garder".utf8).write(to: URL(fileURLWithPath: precious))
        XCTAssertThrowsError(try SocketPath.claim(precious)) { error in
            XCTAssertEqual(error as? SocketPath.ClaimError, .notASocket(precious))
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: precious))
    }

    func testTheSocketIsCreatedOwnerOnlyByDefault() async throws {
        let daemon = try await TestDaemon()
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.socketPath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        try await daemon.stop()
        let group = try await TestDaemon { $0.socketMode = 0o660 }
        let groupAttributes = try FileManager.default.attributesOfItem(atPath: group.socketPath)
        XCTAssertEqual((groupAttributes[.posixPermissions] as? NSNumber)?.intValue, 0o660)
        try await group.stop()
    }
}

/// Failures collected from many threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ failure: String) { lock.lock(); list.append(failure); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
