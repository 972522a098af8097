import FouilleIndex
import FouilleServer
import Foundation

/// The daemon under load: `clients` connections, each on its own thread,
/// each sending `queries` searches through the socket, while a
/// `fouille ingest` adds new documents (copies of corpus files under new
/// names, in a second folder) to the index being served. Reports queries
/// per second, latency, every `ERR` answer and socket failure, the daemon's
/// resident memory at start, along the run and at the end, and its open
/// file descriptors before and after.
struct LoadBenchmark {
    let corpus: String
    let queriesFile: String?
    let fouille: String
    let clients: Int
    let queriesPerClient: Int
    /// Files copied into the second folder for the concurrent ingest.
    let extraFiles = 2000

    func run() throws -> Bool {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fouille-bench-load-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let queries = try loadQueries(queriesFile, corpus: corpus)
        guard !queries.isEmpty else { throw BenchError("no queries") }

        let index = scratch.appendingPathComponent("index").path
        print("indexing \(corpus)…")
        let first = try RebuildBenchmark.Running(fouille, ["ingest", "--index", index, corpus], niced: false, output: scratch).finish()
        let documents = Int(first.value("added") ?? "") ?? 0
        let extra = scratch.appendingPathComponent("extra")
        let copied = try copyCorpus(into: extra)
        print("\(documents) documents; \(queries.count) queries; \(copied) copies to ingest during the load\n")

        let socket = scratch.appendingPathComponent("fouille.sock").path
        let daemon = try Daemon(fouille: fouille, index: index, socket: socket)
        defer { daemon.stop() }
        try daemon.warm(queries.prefix(200).map { $0 })
        usleep(300_000)
        let pid = daemon.pid
        let rssStart = Self.statusKilobytes(pid), fdStart = Self.openDescriptors(pid)
        let targetsStart = Self.descriptorTargets(pid)

        // The clients, on threads of their own (not concurrentPerform: it runs
        // at most as many at once as there are cores).
        let progress = Progress(total: clients * queriesPerClient)
        let totals = Totals()
        let done = DispatchGroup()
        let started = Date()
        for worker in 0..<clients {
            done.enter()
            let thread = Thread { [queriesPerClient] in
                defer { done.leave() }
                var run = LatencyRun()
                var client: ProtocolClient?
                var i = worker * 7919
                for _ in 0..<queriesPerClient {
                    if client == nil {
                        do { client = try ProtocolClient(path: socket, timeout: 30) } catch {
                            run.socketFailure("\(error)")
                            progress.step()
                            usleep(10_000)
                            continue
                        }
                    }
                    let query = queries[i % queries.count].map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }
                    i += 1
                    run.search(String(query), on: &client)
                    progress.step()
                }
                client = nil
                totals.add(run)
            }
            thread.stackSize = 1 << 20
            thread.start()
        }

        // The concurrent ingest starts once a tenth of the queries are done.
        while progress.fraction < 0.1 { usleep(10_000) }
        let ingest = try RebuildBenchmark.Running(
            fouille, ["ingest", "--batch-files", "100", "--index", index, extra.path], niced: false, output: scratch)

        // Memory along the run: at every tenth of the queries.
        var rss: [(Double, Int)] = [(0, rssStart)]
        var nextMark = 0.1
        while done.wait(timeout: .now() + .milliseconds(20)) == .timedOut {
            let fraction = progress.fraction
            if fraction >= nextMark {
                rss.append((fraction, Self.statusKilobytes(pid)))
                nextMark += 0.1
            }
        }
        let wall = Date().timeIntervalSince(started)
        let ingested = try ingest.finish()
        usleep(500_000)  // the daemon closes the clients' connections
        rss.append((1, Self.statusKilobytes(pid)))
        let fdEnd = Self.openDescriptors(pid)
        let targetsEnd = Self.descriptorTargets(pid)

        var total = totals.run
        total.wall = wall
        let served = try daemon.stats()
        let added = Int(ingested.value("added") ?? "") ?? 0
        print("| clients | queries | s | q/s | p50 ms | p99 ms | max ms | ERR | socket failures |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(String(format: "| %d | %d | %.1f | %.0f | %.3f | %.3f | %.2f | %d | %d |", clients, total.latencies.count, wall,
                     total.queriesPerSecond, total.percentile(0.50), total.percentile(0.99), total.latencies.max() ?? 0,
                     total.errorAnswers, total.socketFailures))
        print(String(format: "\nconcurrent ingest: added=%d in %.1f s; the daemon now serves %@ documents (expected %d)",
                     added, ingested.seconds, (served["documents"] ?? "?") as NSString, documents + added))
        print("\n| daemon RSS at | " + rss.map { String(format: "%.0f%%", $0.0 * 100) }.joined(separator: " | ") + " |")
        print("|---|" + String(repeating: "---:|", count: rss.count))
        print("| MB | " + rss.map { String(format: "%.1f", Double($0.1) / 1024) }.joined(separator: " | ") + " |")
        let middle = rss.min { abs($0.0 - 0.5) < abs($1.0 - 0.5) }?.1 ?? 0
        let lastHalf = rss.filter { $0.0 >= 0.5 }.map(\.1)
        let growth = Double((lastHalf.max() ?? 0) - (lastHalf.min() ?? 0)) / 1024
        print(String(format: "\nRSS start %.1f MB, middle %.1f MB, end %.1f MB; growth over the second half %.1f MB",
                     Double(rssStart) / 1024, Double(middle) / 1024, Double(rss.last!.1) / 1024, growth))
        print("open file descriptors of the daemon: \(fdStart) before the load, \(fdEnd) after it")
        var opened = targetsEnd
        for target in targetsStart { if let i = opened.firstIndex(of: target) { opened.remove(at: i) } }
        let sockets = opened.filter { $0.hasPrefix("socket:") }.count
        let files = opened.filter { !$0.hasPrefix("socket:") }
        if !opened.isEmpty { print("  opened since the start: \(sockets) sockets; files: \(files.joined(separator: ", "))") }
        for (message, count) in total.failures.sorted(by: { $0.value > $1.value }).prefix(10) {
            print("  \(count)× \(message)")
        }
        let expected = documents + added
        let pairs: [(String, String)] = [
            ("clients", "\(clients)"), ("queries", "\(total.latencies.count)"),
            ("qps", String(format: "%.0f", total.queriesPerSecond)),
            ("p50_ms", String(format: "%.3f", total.percentile(0.50))),
            ("p99_ms", String(format: "%.3f", total.percentile(0.99))),
            ("max_ms", String(format: "%.2f", total.latencies.max() ?? 0)),
            ("errors", "\(total.errors)"), ("ingest_added", "\(added)"),
            ("documents_served", served["documents"] ?? "?"),
            ("rss_start_mb", String(format: "%.1f", Double(rssStart) / 1024)),
            ("rss_middle_mb", String(format: "%.1f", Double(middle) / 1024)),
            ("rss_end_mb", String(format: "%.1f", Double(rss.last!.1) / 1024)),
            ("fd_start", "\(fdStart)"), ("fd_end", "\(fdEnd)"),
        ]
        print("\n" + pairs.map { "\($0)=\($1)" }.joined(separator: " "))
        // The daemon opens its SQLite readers at start: any descriptor more
        // after the load is a leak.
        return total.errors == 0 && fdEnd == fdStart && served["documents"] == String(expected)
    }

    /// Copies of corpus files under new names (`copy-00001.txt`…), for the
    /// concurrent ingest: new documents of realistic size and text.
    private func copyCorpus(into folder: URL) throws -> Int {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var copied = 0
        let walker = FileManager.default.enumerator(atPath: corpus)
        while let path = walker?.nextObject() as? String, copied < extraFiles {
            guard path.hasSuffix(".txt") else { continue }
            copied += 1
            let target = folder.appendingPathComponent(String(format: "copy-%05d.txt", copied))
            try FileManager.default.copyItem(atPath: corpus + "/" + path, toPath: target.path)
        }
        return copied
    }

    /// A field of /proc/PID/status in kB: `VmRSS` (resident now), `VmHWM` (its peak).
    static func statusKilobytes(_ pid: pid_t, _ field: String = "VmRSS") -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    /// What each of /proc/PID/fd points to (`socket:[…]` with its number dropped).
    static func descriptorTargets(_ pid: pid_t) -> [String] {
        let folder = "/proc/\(pid)/fd"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).compactMap { entry in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + entry) else { return nil }
            return target.hasPrefix("socket:") ? "socket:" : (target as NSString).lastPathComponent
        }
    }

    /// Entries of /proc/PID/fd.
    static func openDescriptors(_ pid: pid_t) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    private final class Progress: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        let total: Int
        init(total: Int) { self.total = total }
        func step() { lock.withLock { count += 1 } }
        var fraction: Double { lock.withLock { Double(count) / Double(max(1, total)) } }
    }

    private final class Totals: @unchecked Sendable {
        private let lock = NSLock()
        private var value = LatencyRun()
        func add(_ run: LatencyRun) { lock.withLock { value.add(run) } }
        var run: LatencyRun { lock.withLock { value } }
    }
}
