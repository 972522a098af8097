import FouilleIndex
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// What `fouille serve` serves, where, and within which limits.
public struct ServerConfiguration: Sendable {
    public var index: IndexLocation
    public var socketPath: String
    /// Permissions of the socket file: 0600 lets only the daemon's user connect.
    public var socketMode: mode_t = 0o600
    public var limits = Limits()
    /// How often `CURRENT` is checked for a newly published generation.
    public var generationCheckInterval: Duration = .milliseconds(500)

    public init(index: IndexLocation, socketPath: String) {
        self.index = index
        self.socketPath = socketPath
    }
}

/// The daemon: the line protocol on a Unix socket, over one live index.
///
/// A `Service` for swift-service-lifecycle: on SIGTERM or SIGINT the
/// service group asks it to shut down gracefully. It then stops accepting,
/// answers new requests `ERR shutting_down`, lets the requests in flight
/// finish (within ``Limits/shutdownGracePeriod``), closes every connection
/// and removes the socket file. SIGHUP re-opens the index, as `RELOAD` does.
public final class SearchServer: Service, Sendable {
    public let configuration: ServerConfiguration
    private let logger: Logger
    private let ready: NIOLockedValueBox<[CheckedContinuation<Void, Never>]?> = NIOLockedValueBox([])

    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let limits = configuration.limits
        let path = configuration.socketPath
        let live = try LiveIndex(location: configuration.index, readers: limits.readers, postingsMemory: limits.postingsMemory)
        let checked = try checkWholeFile(live.index)
        try SocketPath.claim(path)
        let engine = QueryEngine(live: live, limits: limits, logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let connections = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            // A client may send its requests and shut its writing side: the
            // answers are still owed (`printf 'PING\n' | socat - UNIX-CONNECT:…`).
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                let open = engine.stats.connectionsChanged(by: 1)
                channel.closeFuture.whenComplete { _ in
                    engine.stats.connectionsChanged(by: -1)
                    connections.withLockedValue { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
                }
                let admitted = open <= limits.maximumConnections && !engine.isShuttingDown
                if admitted { connections.withLockedValue { $0[ObjectIdentifier(channel)] = channel } }
                return channel.eventLoop.makeCompletedFuture {
                    guard admitted else {
                        try channel.pipeline.syncOperations.addHandler(BusyHandler(limit: limits.maximumConnections))
                        return
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(RequestDecoder(maximumLength: limits.maximumLineLength)))
                    try channel.pipeline.syncOperations.addHandler(CommandHandler(engine: engine))
                }
            }

        // The socket is born with its final permissions: no window in which
        // another user could connect.
        let previousMask = umask(~configuration.socketMode & 0o777)
        let listening: any Channel
        do {
            listening = try await bootstrap.bind(unixDomainSocketPath: path).get()
            umask(previousMask)
        } catch {
            umask(previousMask)
            try? await engine.shutdown()
            try? await group.shutdownGracefully()
            // NIO's error names the system call, not the socket: say which path, and why.
            let reason = (error as? IOError).map { String(cString: strerror($0.errnoCode)) } ?? "\(error)"
            throw SocketPath.ClaimError.cannotListen(path, reason)
        }
        chmod(path, configuration.socketMode)

        // Not kept in a variable: a retired generation closes when its last user lets go.
        let (file, number, documents) = { index in
            (index.generation.file.path, index.generation.number, (try? index.documentCount()) ?? 0)
        }(live.index)
        logger.info(
            "serving \(file) (generation \(number), \(documents) documents, \(checked)) on \(path)",
            metadata: [
                "socket_mode": "\(String(configuration.socketMode, radix: 8))",
                "max_line_bytes": "\(limits.maximumLineLength)",
                "max_connections": "\(limits.maximumConnections)",
                "idle_timeout_s": "\(limits.idleTimeout.nanoseconds / 1_000_000_000)",
                "query_time_limit": "\(limits.queryTimeLimit)",
                "max_limit": "\(limits.maximumResults)",
                "query_threads": "\(limits.queryThreads)",
                "postings_memory_mb": "\(limits.postingsMemory >> 20)",
            ])
        markReady()

        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { tasks in
                tasks.addTask { await self.reloadOnHangUp(live) }
                tasks.addTask { await self.followGenerations(live) }
                try? await listening.closeFuture.get()
                tasks.cancelAll()
            }
        } onGracefulShutdown: {
            self.logger.info("shutting down: no new connections, finishing the requests in flight")
            engine.beginShutdown()
            listening.close(promise: nil)
        }

        let deadline = ContinuousClock.now + limits.shutdownGracePeriod
        while engine.requestsInFlight > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if engine.requestsInFlight > 0 {
            logger.warning("\(engine.requestsInFlight) request(s) still running after \(limits.shutdownGracePeriod); closing anyway")
        }
        let open = connections.withLockedValue { Array($0.values) }
        for channel in open { try? await channel.close() }
        unlink(path)
        try? await engine.shutdown()
        try? await group.shutdownGracefully()
        logger.info("stopped; \(engine.stats.snapshot.queries) queries served")
    }

    /// Refuses to serve a damaged generation: bytes overwritten in the
    /// middle of the file leave its header whole, so it opens, and only the
    /// queries reading a damaged page would fail (`ERR internal`, naming the
    /// file), each time, while the others answer from the rest.
    /// Returns how long the check took, for the log.
    private func checkWholeFile(_ index: SearchIndex) throws -> String {
        let started = ContinuousClock.now
        let whole = try index.quickCheck()
        let elapsed = started.duration(to: .now).components
        let took = "\(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000) ms"
        if !whole {
            logger.warning("\(index.generation.file.path) is large: its check was cut after \(took), serving it unchecked")
        }
        return whole ? "checked in \(took)" : "not checked whole"
    }

    /// Waits until the socket accepts connections (for tests and embedders).
    public func waitUntilReady() async {
        await withCheckedContinuation { continuation in
            let isReady = ready.withLockedValue { waiting -> Bool in
                guard waiting != nil else { return true }
                waiting!.append(continuation)
                return false
            }
            if isReady { continuation.resume() }
        }
    }

    private func markReady() {
        let waiting = ready.withLockedValue { waiting -> [CheckedContinuation<Void, Never>] in
            defer { waiting = nil }
            return waiting ?? []
        }
        waiting.forEach { $0.resume() }
    }

    private func reloadOnHangUp(_ live: LiveIndex) async {
        for await _ in await UnixSignalsSequence(trapping: .sighup) {
            do {
                let generation = try live.reload()
                logger.info("SIGHUP: reloaded \(live.location.path), generation \(generation)")
            } catch {
                logger.error("SIGHUP: cannot reload \(live.location.path): \(error); still serving the previous generation")
            }
        }
    }

    /// Switches to a newly published generation within one check interval.
    private func followGenerations(_ live: LiveIndex) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.generationCheckInterval)
            do {
                if let generation = try live.reloadIfChanged() {
                    logger.info("now serving generation \(generation) of \(live.location.path)")
                }
                for file in live.sweepRetired() where file.reason != .inUse {
                    logger.info("\(live.location.path): \(file)")
                }
            } catch {
                logger.error("cannot open the new generation of \(live.location.path): \(error); still serving the previous one")
            }
        }
    }
}
