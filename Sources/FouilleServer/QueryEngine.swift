import FouilleIndex
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Answers requests. Index work runs on a bounded set of query threads,
/// never on an event loop: a slow query holds one query thread and its own
/// connection, while every other connection keeps being served.
///
/// Each client connection has a home thread and goes there when it is free,
/// else to the least busy one. A query on the thread that ran the
/// connection's last one finds its caches warm on that core: one client's
/// sequential queries measured a third faster than when they alternated
/// between threads.
final class QueryEngine: Sendable {
    let live: LiveIndex
    let stats = ServerStats()
    let limits: Limits
    let logger: Logger
    /// One single-thread pool per query thread, so that work can be steered.
    private let threads: [NIOThreadPool]
    private let busy: NIOLockedValueBox<[Int]>
    private let nextHome = NIOLockedValueBox(0)
    private let state = NIOLockedValueBox(State())

    private struct State {
        var shuttingDown = false
        var inFlight = 0
    }

    init(live: LiveIndex, limits: Limits, logger: Logger) {
        self.live = live
        self.limits = limits
        self.logger = logger
        threads = (0..<max(1, limits.queryThreads)).map { _ in NIOThreadPool(numberOfThreads: 1) }
        busy = NIOLockedValueBox(Array(repeating: 0, count: threads.count))
        for pool in threads { pool.start() }
    }

    func shutdown() async throws {
        for pool in threads { try await pool.shutdownGracefully() }
    }

    /// A home query thread for a new connection, in turn.
    func assignHome() -> Int {
        nextHome.withLockedValue { next in
            defer { next = (next + 1) % threads.count }
            return next
        }
    }

    /// The connection's home thread if it is free, else the least busy one.
    private func claimThread(preferring home: Int) -> Int {
        busy.withLockedValue { busy in
            let chosen = busy[home % busy.count] == 0 ? home % busy.count : busy.indices.min { busy[$0] < busy[$1] }!
            busy[chosen] += 1
            return chosen
        }
    }

    /// From now on every request is answered `ERR shutting_down`.
    func beginShutdown() { state.withLockedValue { $0.shuttingDown = true } }

    var isShuttingDown: Bool { state.withLockedValue { $0.shuttingDown } }
    var requestsInFlight: Int { state.withLockedValue { $0.inFlight } }

    /// The response to one request line.
    func respond(to line: ByteBuffer, on loop: any EventLoop, home: Int = 0) -> EventLoopFuture<Response> {
        let started = DispatchTime.now()
        let admitted = state.withLockedValue { state -> Bool in
            guard !state.shuttingDown else { return false }
            state.inFlight += 1
            return true
        }
        guard admitted else {
            return loop.makeSucceededFuture(.error(ProtocolError(.shuttingDown, "the server is stopping")))
        }
        let future: EventLoopFuture<Response>
        do throws(ProtocolError) {
            guard let text = String(validating: line.readableBytesView, as: UTF8.self) else {
                throw ProtocolError(.badEncoding, "the request is not valid UTF-8")
            }
            let request = try Request.parse(text, maximumLimit: limits.maximumResults)
            future = run(request, on: loop, home: home)
        } catch {
            future = loop.makeSucceededFuture(.error(error))
        }
        return future.map { response in
            self.state.withLockedValue { $0.inFlight -= 1 }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            if response.final.hasPrefix("ERR") { self.stats.recordError() }
            if self.logger.logLevel <= .debug {
                let request = String(decoding: line.readableBytesView.prefix(200), as: UTF8.self)
                self.logger.debug("\(request) -> \(response.final.prefix(80)) in \(String(format: "%.3f", seconds * 1000)) ms")
            }
            return response
        }
    }

    private func run(_ request: Request, on loop: any EventLoop, home: Int) -> EventLoopFuture<Response> {
        switch request {
        case .ping:
            return loop.makeSucceededFuture(.ok("PONG"))
        case .quit:
            return loop.makeSucceededFuture(.ok("BYE", close: true))
        case .help:
            let lines = Request.verbs.map { Response.dataLine(["HELP", $0.syntax, $0.summary]) }
            return loop.makeSucceededFuture(.ok(lines: lines))
        case .search, .count, .suggest, .stats, .reload:
            let thread = claimThread(preferring: home)
            return threads[thread].runIfActive(eventLoop: loop) { self.runOnIndex(request) }
                .always { _ in self.busy.withLockedValue { $0[thread] -= 1 } }
                .recover { _ in .error(ProtocolError(.shuttingDown, "the server is stopping")) }
        }
    }

    /// Index work, on a query thread.
    private func runOnIndex(_ request: Request) -> Response {
        let started = DispatchTime.now()
        func milliseconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6 }
        let index = live.index
        do {
            switch request {
            case .search(let query, let limit, let offset):
                let results = try index.search(
                    query, limit: limit, offset: offset, timeLimit: limits.queryTimeLimit,
                    parallelFrom: limits.ranksInParallel ? SearchIndex.parallelFromCandidates : nil)
                let took = milliseconds()
                stats.recordQuery(seconds: took / 1000)
                var summary = "total=\(results.total) returned=\(results.hits.count) took_ms=\(FixedPoint.text(took, decimals: 2))"
                if !results.corrections.isEmpty { summary += " corrected=" + Correction.listed(results.corrections) }
                return .ok(summary, lines: results.hits.map { HitLine($0).line })
            case .count(let query):
                let total = try index.count(query, timeLimit: limits.queryTimeLimit)
                stats.recordQuery(seconds: milliseconds() / 1000)
                return .ok(String(total))
            case .suggest(let prefix, let limit):
                let suggestions = try index.suggestions(for: prefix, limit: limit, timeLimit: limits.queryTimeLimit)
                stats.recordQuery(seconds: milliseconds() / 1000)
                return .ok(
                    "returned=\(suggestions.count)",
                    lines: suggestions.map { Response.dataLine(["TERM", $0.word, String($0.documents)]) })
            case .stats:
                return .ok(lines: try statsLines(index).map { Response.dataLine(["STAT", $0.0, $0.1]) })
            case .reload:
                let generation = try live.reload()
                logger.info("reloaded \(live.location.path): generation \(generation)")
                return .ok("generation=\(generation)")
            case .ping, .quit, .help:
                return .error(ProtocolError(.internal, "not an index request"))
            }
        } catch IndexError.timeout {
            return .error(ProtocolError(.timeout, "the query ran past the \(limits.queryTimeLimit) limit"))
        } catch IndexError.badQuery(let message) {
            return .error(ProtocolError(.badQuery, message))
        } catch {
            logger.error("\(request): \(error)")
            return .error(ProtocolError(.internal, "\(error)"))
        }
    }

    private func statsLines(_ index: SearchIndex) throws -> [(String, String)] {
        let snapshot = stats.snapshot
        let bytes = ["", "-wal"].reduce(Int64(0)) { total, suffix in
            let attributes = try? FileManager.default.attributesOfItem(atPath: index.generation.file.path + suffix)
            return total + ((attributes?[.size] as? NSNumber)?.int64Value ?? 0)
        }
        let built = try index.builtAt()
        return [
            ("documents", String(try index.documentCount())),
            ("generation", String(index.generation.number)),
            ("generation_built_at", built.map { ISO8601DateFormatter().string(from: $0) } ?? "unknown"),
            ("index_path", index.generation.file.path),
            ("index_bytes", String(bytes)),
            ("uptime_s", String(Int(Date().timeIntervalSince(stats.started)))),
            ("queries", String(snapshot.queries)),
            ("errors", String(snapshot.errors)),
            ("connections", String(snapshot.connections)),
            ("query_p50_ms", String(format: "%.3f", snapshot.p50 * 1000)),
            ("query_p99_ms", String(format: "%.3f", snapshot.p99 * 1000)),
            ("query_threads", String(limits.queryThreads)),
            ("postings_phrases", String(index.heldPostings.phrases)),
            ("postings_bytes", String(index.heldPostings.bytes)),
        ]
    }
}
