import FouilleIndex
import Foundation
import GRDB

/// What a rebuild costs: `fouille ingest` of a corpus into a fresh index
/// against `fouille rebuild` of that index (both as processes, alternately),
/// the generation's size, and query latency through the daemon's socket at
/// one connection while idle and while a rebuild runs beside it, plain and
/// at the default `--nice 10`. Every `ERR` answer and socket failure is counted.
struct RebuildBenchmark {
    let corpus: String
    let queriesFile: String?
    let fouille: String
    let rounds = 3

    func run() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fouille-bench-rebuild-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let textBytes = corpusBytes()
        let queries = try loadQueries(queriesFile, corpus: corpus)
        guard !queries.isEmpty else { throw BenchError("no queries") }

        // The index served later; its ingest also warms the page cache.
        let index = scratch.appendingPathComponent("index").path
        print("indexing \(corpus)…")
        let first = try fouilleRun(["ingest", "--index", index, corpus], in: scratch)
        let documents = Int(first.value("added") ?? "") ?? 0
        let failed = Int(first.value("failed") ?? "") ?? 0
        print("\(documents) documents\(failed > 0 ? " (\(failed) files failed)" : ""), "
              + "\(String(format: "%.1f", Double(textBytes) / 1_048_576)) MB of text; \(queries.count) queries\n")

        // 1. Ingest from scratch against a rebuild of the same index, alternately.
        var ingestSeconds: [Double] = []
        var rebuildSeconds: [Double] = []
        var ingestSize = GenerationSize()
        for round in 1...rounds {
            for step in round % 2 == 1 ? ["ingest", "rebuild"] : ["rebuild", "ingest"] {
                if step == "ingest" {
                    let fresh = scratch.appendingPathComponent("fresh-\(round)").path
                    ingestSeconds.append(try fouilleRun(["ingest", "--index", fresh, corpus], in: scratch).seconds)
                    if round == 1 { ingestSize = try GenerationSize(fresh) }
                    try FileManager.default.removeItem(atPath: fresh)
                } else {
                    rebuildSeconds.append(try fouilleRun(["rebuild", "--nice", "0", "--index", index], in: scratch).seconds)
                }
            }
        }
        let ingestMedian = median(ingestSeconds), rebuildMedian = median(rebuildSeconds)
        let megabytes = Double(textBytes) / 1_048_576
        print("| build, \(rounds) rounds alternately | " + (1...rounds).map { "round \($0) s" }.joined(separator: " | ")
              + " | median s | MB/s |")
        print("|---|" + String(repeating: "---:|", count: rounds + 2))
        for (name, times) in [("fouille ingest, fresh index", ingestSeconds), ("fouille rebuild, same index", rebuildSeconds)] {
            print("| \(name) | " + times.map { String(format: "%.2f", $0) }.joined(separator: " | ")
                  + String(format: " | %.2f | %.1f |", median(times), megabytes / median(times)))
        }
        print(String(format: "\nrebuild / ingest: %.2f× the time\n", rebuildMedian / ingestMedian))

        // 2. The generation file. A file's pages may still be in its WAL; optimize leaves free pages.
        let size = try GenerationSize(index)
        print("| generation | file bytes | file MB | file × text | WAL MB | pages MB | free pages MB |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for (name, s) in [("after a fresh ingest", ingestSize), ("after a rebuild (published, one FTS5 segment)", size)] {
            print(String(format: "| %@ | %lld | %.1f | %.2f | %.1f | %.1f | %.1f |", name as NSString, s.file,
                         Double(s.file) / 1_048_576, Double(s.file) / Double(textBytes), Double(s.wal) / 1_048_576,
                         Double(s.pages) / 1_048_576, Double(s.free) / 1_048_576))
        }
        print(String(format: "| corpus text (.txt files) | %lld | %.1f | 1.00 | | | |\n", textBytes, megabytes))

        // 3. Latency at one connection: idle, during a rebuild, idle, during a nice rebuild, idle.
        let socket = scratch.appendingPathComponent("fouille.sock").path
        let daemon = try Daemon(fouille: fouille, index: index, socket: socket)
        defer { daemon.stop() }
        try daemon.warm(queries)
        let idleSeconds = max(2, rebuildMedian)
        var rows: [(name: String, run: LatencyRun)] = []
        var notSwitched: [String] = []
        rows.append(("idle", socketLoad(socket, queries, connections: 1, seconds: idleSeconds)))
        for niced in [false, true] {
            let rebuild = try startRebuild(index, niced: niced, in: scratch)
            let during = socketLoad(socket, queries, connections: 1) { rebuild.process.isRunning }
            rows.append((niced ? "during a rebuild (default, --nice 10)" : "during a rebuild with --nice 0", during))
            _ = try rebuild.finish()
            // The daemon checks CURRENT every half second: the switch comes after the rebuild exits.
            let switching = socketLoad(socket, queries, connections: 1, seconds: 1)
            let published = try IndexLocation(path: index).currentGeneration().number
            let served = (try? daemon.stats())?["generation"].flatMap { Int($0) }
            if served != published {
                notSwitched.append("a second after the rebuild, the daemon serves generation "
                                   + "\(served.map(String.init) ?? "(no answer to STATS)"), not \(published)")
            }
            rows.append(("the second after it (the daemon switches to generation \(published))", switching))
            rows.append(("idle", socketLoad(socket, queries, connections: 1, seconds: idleSeconds)))
        }
        print("| queries, socket, 1 connection | s | queries | q/s | p50 ms | p95 ms | p99 ms | max ms | ERR | socket failures |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (name, run) in rows {
            print(String(format: "| %@ | %.1f | %d | %.0f | %.3f | %.3f | %.3f | %.2f | %d | %d |", name as NSString, run.wall,
                         run.latencies.count, run.queriesPerSecond, run.percentile(0.50), run.percentile(0.95),
                         run.percentile(0.99), run.latencies.max() ?? 0, run.errorAnswers, run.socketFailures))
        }
        let idle = rows[0].run, during = rows[1].run, niceIdle = rows[3].run, niceDuring = rows[4].run
        let ratio = during.percentile(0.99) / idle.percentile(0.99)
        let niceRatio = niceDuring.percentile(0.99) / niceIdle.percentile(0.99)
        print(String(format: "\np99 during a rebuild with --nice 0 / idle before it: %.2f× (%.3f / %.3f ms); default --nice 10: %.2f× (%.3f / %.3f ms); target ≤ 2× on two cores",
                     ratio, during.percentile(0.99), idle.percentile(0.99),
                     niceRatio, niceDuring.percentile(0.99), niceIdle.percentile(0.99)))

        // 4. Errors: every one, from the rebuilds and the switches above all.
        var rebuilds = LatencyRun(), all = LatencyRun()
        for row in rows[1...2] + rows[4...5] { rebuilds.add(row.run) }
        for row in rows { all.add(row.run) }
        print("errors during the rebuilds and switches: \(rebuilds.errorAnswers) ERR, \(rebuilds.socketFailures) socket failures (target 0);"
              + " in the whole run: \(all.errorAnswers) ERR, \(all.socketFailures) socket failures")
        for (message, count) in all.failures.sorted(by: { $0.value > $1.value }) {
            print("  \(count)× \(message)")
        }
        for line in notSwitched { print(line) }

        let pairs: [(String, String)] = [
            ("documents", "\(documents)"), ("text_bytes", "\(textBytes)"),
            ("ingest_s", String(format: "%.3f", ingestMedian)), ("rebuild_s", String(format: "%.3f", rebuildMedian)),
            ("rebuild_over_ingest", String(format: "%.2f", rebuildMedian / ingestMedian)),
            ("generation_bytes", "\(size.file)"),
            ("generation_mb", String(format: "%.1f", Double(size.file) / 1_048_576)),
            ("generation_over_text", String(format: "%.2f", Double(size.file) / Double(textBytes))),
            ("generation_free_mb", String(format: "%.1f", Double(size.free) / 1_048_576)),
            ("idle_p99_ms", String(format: "%.3f", idle.percentile(0.99))),
            ("during_p99_ms", String(format: "%.3f", during.percentile(0.99))),
            ("p99_ratio", String(format: "%.2f", ratio)),
            ("nice_idle_p99_ms", String(format: "%.3f", niceIdle.percentile(0.99))),
            ("nice_during_p99_ms", String(format: "%.3f", niceDuring.percentile(0.99))),
            ("nice_p99_ratio", String(format: "%.2f", niceRatio)),
            ("queries_during", "\(during.latencies.count)"), ("queries_during_nice", "\(niceDuring.latencies.count)"),
            ("err_during", "\(rebuilds.errorAnswers)"), ("socket_failures_during", "\(rebuilds.socketFailures)"),
            ("errors_total", "\(all.errors)"), ("switched", notSwitched.isEmpty ? "yes" : "no"),
        ]
        print("\n" + pairs.map { "\($0)=\($1)" }.joined(separator: " "))
    }

    /// A finished `fouille` command: its wall time and the key=value pairs it printed.
    struct Finished {
        var seconds: Double
        var output: String

        func value(_ key: String) -> String? {
            for word in output.split(whereSeparator: \.isWhitespace) where word.hasPrefix(key + "=") {
                return String(word.dropFirst(key.count + 1))
            }
            return nil
        }
    }

    /// Runs `fouille` with `arguments` to the end; fails unless it exits 0.
    private func fouilleRun(_ arguments: [String], in scratch: URL) throws -> Finished {
        let running = try Running(fouille, arguments, niced: false, output: scratch)
        return try running.finish()
    }

    private func startRebuild(_ index: String, niced: Bool, in scratch: URL) throws -> Running {
        // `fouille rebuild` lowers its own priority (--nice 10) unless told not to.
        try Running(fouille, ["rebuild", "--nice", niced ? "10" : "0", "--index", index], niced: false, output: scratch)
    }

    /// A `fouille` process, its output in files, timed from start to exit.
    final class Running: @unchecked Sendable {
        let process = Process()
        let arguments: [String]
        let start = DispatchTime.now()
        private let stdout: URL
        private let stderr: URL
        private let handles: [FileHandle]

        init(_ fouille: String, _ arguments: [String], niced: Bool, output folder: URL) throws {
            self.arguments = arguments
            stdout = folder.appendingPathComponent("command.out")
            stderr = folder.appendingPathComponent("command.err")
            _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
            _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
            if niced {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = ["nice", "-n", "10", fouille] + arguments
            } else {
                process.executableURL = URL(fileURLWithPath: fouille)
                process.arguments = arguments
            }
            handles = [try FileHandle(forWritingTo: stdout), try FileHandle(forWritingTo: stderr)]
            process.standardOutput = handles[0]
            process.standardError = handles[1]
            try process.run()
        }

        /// Waits for the exit; status 1 (some files failed, the rest indexed) is
        /// no reason to stop, the summary line says how many.
        func finish() throws -> Finished {
            process.waitUntilExit()
            let seconds = milliseconds(since: start) / 1000
            for handle in handles { try? handle.close() }
            let output = (try? String(contentsOf: stdout, encoding: .utf8)) ?? ""
            guard process.terminationStatus <= 1 else {
                let errors = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
                throw BenchError("fouille \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus):\n\(output)\(errors)")
            }
            return Finished(seconds: seconds, output: output)
        }
    }

    /// The bytes of the `.txt` files ingest reads.
    private func corpusBytes() -> Int64 {
        var bytes: Int64 = 0
        let walker = FileManager.default.enumerator(
            at: URL(fileURLWithPath: corpus), includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey],
            options: [.skipsHiddenFiles])
        while let url = walker?.nextObject() as? URL {
            guard url.pathExtension == "txt", let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]),
                  values.isRegularFile == true else { continue }
            bytes += Int64(values.fileSize ?? 0)
        }
        return bytes
    }

    /// The generation file `CURRENT` names: its size and its WAL's, and
    /// SQLite's pages (wherever they are) and free pages, in bytes.
    struct GenerationSize {
        var file: Int64 = 0
        var wal: Int64 = 0
        var pages: Int64 = 0
        var free: Int64 = 0

        init() {}

        init(_ index: String) throws {
            let path = try IndexLocation(path: index).currentGeneration().file.path
            func bytes(_ path: String) -> Int64 {
                ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
            }
            file = bytes(path)
            wal = bytes(path + "-wal")
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            (pages, free) = try queue.read { db in
                let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
                return (try (Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0) * pageSize,
                        try (Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0) * pageSize)
            }
            try queue.close()
        }
    }
}
