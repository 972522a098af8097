import ArgumentParser
import FouilleIndex
import FouilleServer
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// `fouille serve`: the daemon.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve ranked queries over a Unix socket (the line protocol of docs/PROTOCOL.md).",
        discussion: """
            Runs until SIGTERM or SIGINT: it then stops accepting, lets the requests in \
            flight finish (--grace-period), answers later ones ERR shutting_down, removes \
            the socket and exits 0. SIGHUP re-opens the index, as RELOAD does. A newly \
            published index generation is picked up within half a second, and documents \
            added by a concurrent 'fouille ingest' are visible as soon as committed.

            Before listening, the index file is checked whole (SQLite quick_check, \
            at most 30 s): a damaged one is refused (exit status 2). A stale socket \
            file is replaced; if a live daemon already listens there, serve refuses \
            to start (exit status 1). Logs go to standard error.
            """)

    @OptionGroup var indexOption: IndexOption
    @OptionGroup var socketOption: SocketOption

    @Option(help: ArgumentHelp("Permissions of the socket file, in octal (0660 to let a group connect).", valueName: "mode"))
    var socketMode = "0600"

    @Option(help: ArgumentHelp("Longest request line, in bytes.", valueName: "bytes"))
    var maxLineBytes = Limits().maximumLineLength

    @Option(help: ArgumentHelp("Open connections allowed; more get ERR busy.", valueName: "n"))
    var maxConnections = Limits().maximumConnections

    @Option(help: ArgumentHelp("Close a connection that completes no request for this many seconds.", valueName: "seconds"))
    var idleTimeout: Double = 300

    @Option(help: ArgumentHelp("Interrupt a query running longer than this many milliseconds (ERR timeout).", valueName: "ms"))
    var queryTimeout = 2000

    @Option(help: ArgumentHelp("Largest limit= a SEARCH may ask for.", valueName: "n"))
    var maxLimit = Limits().maximumResults

    @Option(help: ArgumentHelp("Threads running queries.", valueName: "n"))
    var threads = Limits().queryThreads

    @Option(help: ArgumentHelp(
        "Memory for the postings of the phrases queries use, held to rank without FTS5's iterators (0: none).",
        valueName: "MB"))
    var postingsMemory = Limits().postingsMemory >> 20

    @Option(help: ArgumentHelp("Seconds given to requests in flight at shutdown.", valueName: "seconds"))
    var gracePeriod: Double = 10

    @Option(help: ArgumentHelp("Log level: trace, debug (one line per request), info, notice, warning, error.", valueName: "level"))
    var logLevel = "info"

    func validate() throws {
        guard let mode = mode_t(socketMode, radix: 8), mode <= 0o777 else {
            throw ValidationError("--socket-mode must be octal permissions such as 0600 or 0660")
        }
        _ = mode
        guard maxLineBytes >= 64 else { throw ValidationError("--max-line-bytes must be at least 64") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard idleTimeout > 0, queryTimeout > 0, gracePeriod >= 0 else {
            throw ValidationError("--idle-timeout and --query-timeout must be positive, --grace-period not negative")
        }
        guard maxLimit >= 1000 else { throw ValidationError("--max-limit must be at least 1000 (the protocol promises it)") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256") }
        guard (0...1 << 20).contains(postingsMemory) else {
            throw ValidationError("--postings-memory must be between 0 and 1048576 (MB)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "fouille")
        var configuration = ServerConfiguration(index: indexOption.location, socketPath: socketOption.path)
        configuration.socketMode = mode_t(socketMode, radix: 8) ?? 0o600
        configuration.limits.maximumLineLength = maxLineBytes
        configuration.limits.maximumConnections = maxConnections
        configuration.limits.idleTimeout = .nanoseconds(Int64(idleTimeout * 1e9))
        configuration.limits.queryTimeLimit = .milliseconds(queryTimeout)
        configuration.limits.maximumResults = maxLimit
        configuration.limits.queryThreads = threads
        configuration.limits.postingsMemory = postingsMemory << 20
        configuration.limits.shutdownGracePeriod = .milliseconds(Int64(gracePeriod * 1000))

        let server = SearchServer(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch let error as SocketPath.ClaimError {
            Terminal.standardError("fouille: \(error)")
            throw ExitCode(1)
        } catch {
            throw Terminal.fail(error)
        }
    }
}
