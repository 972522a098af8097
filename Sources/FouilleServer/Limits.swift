import FouilleIndex
import NIOCore

/// Every bound the daemon enforces, in one place, with its default.
///
/// The defaults suit one host's programs querying one index: generous for
/// real clients, tight enough that one misbehaving client cannot take the
/// server's memory, connections or query threads.
public struct Limits: Sendable, Equatable {
    /// Bytes in one request line (`ERR line_too_long`, then the connection closes).
    public var maximumLineLength = 64 * 1024
    /// Open connections; past it a newcomer gets `ERR busy` and is closed.
    public var maximumConnections = 512
    /// A connection that completes no request line for this long is closed:
    /// idle clients and clients dribbling a byte at a time alike.
    public var idleTimeout: TimeAmount = .seconds(300)
    /// A query running longer is interrupted inside SQLite (`ERR timeout`).
    public var queryTimeLimit: Duration = .seconds(2)
    /// Largest `limit=` honoured (larger ones are capped to it).
    public var maximumResults = 1000
    /// Requests a client may send ahead of the answers before the server
    /// stops reading from it for a while.
    public var maximumPipelined = 128
    /// At shutdown, how long requests in flight may take to finish.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// Bytes of postings held in memory for ranking, about (0: none). The
    /// phrases of 1,118 queries over 24,280 man pages take 127 MB.
    public var postingsMemory = 160 << 20
    /// Threads running queries (each with its own SQLite connection).
    public var queryThreads = max(2, System.coreCount)

    /// Whether a query with many candidates is ranked in two halves at once
    /// (see `SearchIndex.search(parallelFrom:)`): each query thread then needs
    /// a second reader, so only while the threads are at most half the
    /// pool's readers.
    var ranksInParallel: Bool { queryThreads * 2 <= SearchIndex.maximumReaders }

    /// Reader connections opened up front: one per query thread, two when
    /// ranking in parallel.
    var readers: Int { ranksInParallel ? queryThreads * 2 : queryThreads }

    public init() {}
}
