import FouilleServer
import Foundation

/// Latencies of a run of queries, and what went wrong in it.
struct LatencyRun {
    var latencies: [Double] = []  // milliseconds
    /// `ERR` answers (or, in-process, errors thrown by a query).
    var errorAnswers = 0
    /// Connections refused or lost, replies that never came.
    var socketFailures = 0
    /// Each error's message, with how many times it came.
    var failures: [String: Int] = [:]
    var wall: Double = 0

    var errors: Int { errorAnswers + socketFailures }
    var queriesPerSecond: Double { Double(latencies.count) / wall }

    func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    mutating func error(_ message: String) {
        errorAnswers += 1
        failures[message, default: 0] += 1
    }

    mutating func socketFailure(_ message: String) {
        socketFailures += 1
        failures[message, default: 0] += 1
    }

    /// Sends `SEARCH limit=10 query` on `client` and counts its latency and
    /// its outcome; a socket failure drops the client, to connect again.
    mutating func search(_ query: String, on client: inout ProtocolClient?) {
        let began = DispatchTime.now()
        do {
            let reply = try client!.send("SEARCH limit=10 \(query)")
            latencies.append(milliseconds(since: began))
            if !reply.isOK { error(reply.final) }
        } catch {
            latencies.append(milliseconds(since: began))
            socketFailure("\(error)")
            client = nil
        }
    }

    mutating func add(_ other: LatencyRun) {
        latencies += other.latencies
        errorAnswers += other.errorAnswers
        socketFailures += other.socketFailures
        failures.merge(other.failures, uniquingKeysWith: +)
    }
}

/// `connections` clients, each on its own thread and connection, sending
/// `SEARCH limit=10` queries while `running()` says so. Every `ERR` answer
/// and every socket failure is counted; a client whose connection failed
/// connects again. Threads of their own, not `concurrentPerform`: that runs
/// as many iterations at once as there are cores, the others after them.
func socketLoad(_ socket: String, _ queries: [String], connections: Int,
                while running: @escaping @Sendable () -> Bool) -> LatencyRun {
    final class Totals: @unchecked Sendable {
        let lock = NSLock()
        var run = LatencyRun()
    }
    let totals = Totals()
    let done = DispatchGroup()
    let start = Date()
    for worker in 0..<connections {
        done.enter()
        Thread {
            defer { done.leave() }
            var run = LatencyRun()
            var client: ProtocolClient?
            var i = worker * 7919
            while running() {
                if client == nil {
                    do {
                        client = try ProtocolClient(path: socket)
                    } catch {
                        run.socketFailure("\(error)")
                        usleep(10_000)
                        continue
                    }
                }
                let query = queries[i % queries.count]
                i += 1
                run.search(query, on: &client)
            }
            totals.lock.lock()
            totals.run.add(run)
            totals.lock.unlock()
        }.start()
    }
    done.wait()
    var total = totals.run
    total.wall = Date().timeIntervalSince(start)
    return total
}

/// The same, for `seconds`.
func socketLoad(_ socket: String, _ queries: [String], connections: Int, seconds: Double) -> LatencyRun {
    let deadline = Date().addingTimeInterval(seconds)
    return socketLoad(socket, queries, connections: connections) { Date() < deadline }
}

/// The same, for `count` queries in all.
func socketLoad(_ socket: String, _ queries: [String], connections: Int, count: Int) -> LatencyRun {
    final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var left: Int
        init(_ count: Int) { left = count }
        func take() -> Bool { lock.withLock { left -= 1; return left >= 0 } }
    }
    let counter = Counter(count)
    return socketLoad(socket, queries, connections: connections) { counter.take() }
}

func milliseconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// `fouille serve` on an index, as a child process, answering on its own socket.
final class Daemon {
    let socket: String
    private let process = Process()

    /// The daemon's process id (for /proc/PID/status and /proc/PID/fd).
    var pid: pid_t { process.processIdentifier }

    /// Starts the daemon and waits until it answers `PING` (a minute at most:
    /// it checks the whole index file before it listens).
    init(fouille: String, index: String, socket: String) throws {
        self.socket = socket
        process.executableURL = URL(fileURLWithPath: fouille)
        process.arguments = ["serve", "--index", index, "--socket", socket, "--log-level", "warning"]
        try process.run()
        for _ in 0..<3000 where (try? ProtocolClient(path: socket).send("PING")) == nil {
            guard process.isRunning else { throw BenchError("the daemon exited with status \(process.terminationStatus)") }
            usleep(20_000)
        }
        guard (try? ProtocolClient(path: socket).send("PING")) != nil else {
            stop()
            throw BenchError("the daemon does not answer on \(socket)")
        }
    }

    /// Runs every query once, for a warm cache, then waits (two minutes at
    /// most) until the daemon has read the postings those queries asked for:
    /// it reads them on another thread, and the runs measure it settled.
    /// Says how long that took, and what the daemon holds.
    func warm(_ queries: [String]) throws {
        let client = try ProtocolClient(path: socket)
        let start = DispatchTime.now()
        for query in queries { _ = try client.send("SEARCH limit=10 \(query)") }
        var held = try stats()["postings_phrases"], steady = 0
        while steady < 3, milliseconds(since: start) < 120_000 {
            usleep(250_000)
            let now = try stats()["postings_phrases"]
            steady = now == held ? steady + 1 : 0
            held = now
        }
        let values = try stats()
        let megabytes = Double(values["postings_bytes"] ?? "").map { $0 / 1_048_576 } ?? 0
        print(String(format: "warmed in %.1f s: postings of %@ phrases held, %.0f MB\n", milliseconds(since: start) / 1000,
                     values["postings_phrases"] ?? "?", megabytes))
    }

    /// The `STATS` values (`generation`, `documents`…).
    func stats() throws -> [String: String] {
        var values: [String: String] = [:]
        for line in try ProtocolClient(path: socket).send("STATS").lines {
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3 { values[String(fields[1])] = String(fields[2]) }
        }
        return values
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The queries file's second column, or titles of the corpus when none is given.
func loadQueries(_ queriesFile: String?, corpus: String) throws -> [String] {
    if let queriesFile {
        return try String(contentsOfFile: queriesFile, encoding: .utf8).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            return fields.count >= 2 ? String(fields[1]) : nil
        }
    }
    var titles: [String] = []
    let walker = FileManager.default.enumerator(atPath: corpus)
    while let path = walker?.nextObject() as? String, titles.count < 1000 {
        guard path.hasSuffix(".txt"), let data = FileManager.default.contents(atPath: corpus + "/" + path) else { continue }
        let title = String(decoding: data.prefix(400), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        if !title.isEmpty { titles.append(title) }
    }
    return titles
}
