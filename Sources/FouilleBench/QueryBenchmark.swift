import FouilleIndex
import FouilleIngest
import FouilleServer
import Foundation
import GRDB
import Logging

/// Query latency and throughput through the daemon's socket, at 1 and 16
/// connections, against the same queries on a plain FTS5 table in-process.
struct QueryBenchmark {
    let corpus: String
    let queriesFile: String?
    let fouille: String
    let seconds: Double

    func run() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fouille-bench-query-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

        print("indexing \(corpus)…")
        let frenchLocation = IndexLocation(path: scratch.appendingPathComponent("french").path)
        let french = try SearchIndex.open(frenchLocation, creating: true)
        let summary = try Ingester(index: french, logger: logger).run([corpus])
        try french.checkpoint()
        try french.close()
        let plain = try SearchIndex.open(IndexLocation(path: scratch.appendingPathComponent("plain").path), creating: true, tokenizer: .unicode61)
        _ = try Ingester(index: plain, logger: logger).run([corpus])
        try plain.checkpoint()
        let plainFile = plain.generation.file.path
        try plain.close()
        // The indexes just written are still being flushed to disk by the
        // kernel for many seconds: wait for it, or the first round pays.
        sync()
        let queries = try loadQueries(queriesFile, corpus: corpus)
        print("\(summary.added) documents, \(String(format: "%.1f", Double(summary.bytes) / 1_048_576)) MB; \(queries.count) queries\n")

        let socket = scratch.appendingPathComponent("fouille.sock").path
        let daemon = try Daemon(fouille: fouille, index: frenchLocation.path, socket: socket)
        defer { daemon.stop() }
        try daemon.warm(queries)

        var rows: [(String, LatencyRun)] = []
        for round in 1...2 {
            let one = socketLoad(socket, queries, connections: 1, seconds: seconds)
            let sixteen = socketLoad(socket, queries, connections: 16, seconds: seconds)
            let inProcess = try plainRun(plainFile, queries)
            rows += [("round \(round): fouille, socket, 1 connection", one),
                     ("round \(round): fouille, socket, 16 connections", sixteen),
                     ("round \(round): plain FTS5 OR, in-process, 1 connection", inProcess)]
        }
        print("| run | queries | q/s | p50 ms | p95 ms | p99 ms | max ms | errors |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for (name, run) in rows {
            print(String(format: "| %@ | %d | %.0f | %.3f | %.3f | %.3f | %.2f | %d |", name as NSString, run.latencies.count,
                         run.queriesPerSecond, run.percentile(0.50), run.percentile(0.95), run.percentile(0.99),
                         run.latencies.max() ?? 0, run.errors))
        }
        // This machine's speed moves by a third within minutes: the ratio to
        // the baseline in the same round says more than either time alone.
        print("")
        for round in 0..<2 {
            let one = rows[3 * round].1.percentile(0.5), plain = rows[3 * round + 2].1.percentile(0.5)
            print(String(format: "round %d: socket p50 %.3f ms, 1/%.0f of plain FTS5 OR's %.1f ms", round + 1, one,
                         plain / max(one, 1e-9), plain))
        }
        let last = rows.suffix(3).map(\.1)
        print(String(format: "\nscaling 16/1 connections: %.2f× (target ≥ 1.6×); socket p50 %.3f ms (target < 1), p99 %.3f ms (target < 10)",
                     last[1].queriesPerSecond / last[0].queriesPerSecond, last[0].percentile(0.5), last[0].percentile(0.99)))
    }

    /// The baseline: words of the query, each quoted, joined by OR; bm25; snippet() in the select list.
    private func plainRun(_ file: String, _ queries: [String]) throws -> LatencyRun {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: file, configuration: configuration)
        var run = LatencyRun()
        let start = Date()
        var i = 0
        try queue.read { db in
            let statement = try db.makeStatement(sql: """
                SELECT rowid, bm25(documents_fts), snippet(documents_fts, -1, '[', ']', '…', 20)
                FROM documents_fts WHERE documents_fts MATCH ? ORDER BY bm25(documents_fts) LIMIT 10
                """)
            while Date().timeIntervalSince(start) < seconds {
                let query = queries[i % queries.count]
                i += 1
                let words = query.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { "\"\($0)\"" }
                guard !words.isEmpty else { continue }
                let began = DispatchTime.now()
                do {
                    _ = try Row.fetchAll(statement, arguments: [words.joined(separator: " OR ")])
                } catch {
                    run.error("\(error)")
                }
                run.latencies.append(milliseconds(since: began))
            }
        }
        run.wall = Date().timeIntervalSince(start)
        return run
    }
}
