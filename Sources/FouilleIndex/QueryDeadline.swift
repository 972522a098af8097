import Foundation
import GRDBSQLite

/// The time limit of one read, enforced twice over, because neither way
/// alone stops every slow query.
///
/// - SQLite's progress handler, on the query's own thread, checked every
///   few thousand virtual-machine steps: exact even for a limit of a few
///   milliseconds, with no other thread to wake. But FTS5 expands a prefix
///   (`a*`: thousands of terms, their document lists merged) inside a single
///   step of the query's program, reading its leaves through blob handles
///   whose tiny programs never reach the handler's check: measured on
///   SQLite 3.40, `a*` over 20,000 rows ran 3.6 s against a 10 ms limit.
/// - `sqlite3_interrupt()` from a timer at the deadline: SQLite tests that
///   flag when any program starts, including each blob read of FTS5, so the
///   prefix expansion above stops within milliseconds of it (the same query:
///   cut after 20 ms).
///
/// The interrupt is sent only while the read runs (a lock orders it against
/// ``finish()``): once the connection is back in the pool, a late timer must
/// not cut whichever query runs on it next.
final class QueryDeadline: @unchecked Sendable {
    private let lock = NSLock()
    private var connection: OpaquePointer?
    private let deadline: UnsafeMutablePointer<UInt64>
    private let timer: any DispatchSourceTimer

    init(connection: OpaquePointer, timeLimit: Duration) {
        let (seconds, attoseconds) = timeLimit.components
        let nanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        self.connection = connection
        deadline = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        deadline.initialize(to: DispatchTime.now().uptimeNanoseconds + nanoseconds)
        // Reading the clock costs: check every 20,000 virtual-machine steps
        // (well under a millisecond), finer for tiny limits.
        let steps: Int32 = timeLimit < .milliseconds(50) ? 100 : 20_000
        sqlite3_progress_handler(connection, steps, { context in
            guard let context else { return 0 }
            return DispatchTime.now().uptimeNanoseconds > context.load(as: UInt64.self) ? 1 : 0
        }, deadline)
        timer = DispatchSource.makeTimerSource(queue: Self.timers)
        // Again every 5 ms past the deadline: an interrupt sent while no
        // statement runs (the read between two, in Swift) is dropped by SQLite.
        timer.schedule(
            deadline: .now() + .nanoseconds(Int(min(nanoseconds, UInt64(Int.max)))), repeating: .milliseconds(5),
            leeway: .milliseconds(1))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            lock.withLock {
                if let connection = self.connection { sqlite3_interrupt(connection) }
            }
        }
        timer.resume()
    }

    /// The timers' own queue. A queue made here gets a thread of its own
    /// when it needs one; Dispatch's global queues run as many blocks at
    /// once as there are cores, and they also run the upper halves of
    /// queries ranked in two (`SearchIndex.rank`): a deadline must not wait
    /// behind the very queries it is there to cut.
    private static let timers = DispatchQueue(label: "fouille.query-deadlines", qos: .userInitiated)

    /// Whether the time is up.
    var hasPassed: Bool { DispatchTime.now().uptimeNanoseconds > deadline.pointee }

    /// Ends the watch; call it before the connection goes back to the pool.
    func finish() {
        let connection = lock.withLock {
            defer { self.connection = nil }
            return self.connection
        }
        timer.cancel()
        if let connection { sqlite3_progress_handler(connection, 0, nil, nil) }
    }

    deinit { deadline.deallocate() }
}
