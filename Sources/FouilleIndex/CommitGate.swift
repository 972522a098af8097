import Foundation

/// A whole-file check that runs beside a writer's first batch instead of
/// before it (see ``SearchIndex/checkBeforeFirstCommit(timeLimit:cutShort:)``).
///
/// `PRAGMA quick_check` reads every page: 1.5 s for a 1.2 GB index, paid
/// by every `fouille ingest` before it read a file. The first batch can be
/// read, analysed and written meanwhile, as long as it does not commit:
/// written into a damaged file, a batch might spread the damage, so its
/// commit waits for the verdict, and a damaged file rolls it back.
final class CommitGate: @unchecked Sendable {
    /// What a check found, set on its thread before `done` is left.
    private final class Outcome: @unchecked Sendable {
        let done = DispatchGroup()
        var error: Error?
    }

    private let lock = NSLock()
    private var pending: Outcome?

    /// Runs `check` on another thread until ``pass()`` asks for its verdict.
    func start(_ check: @escaping @Sendable () throws -> Void) {
        let outcome = Outcome()
        DispatchQueue.global().async(group: outcome.done) {
            do { try check() } catch { outcome.error = error }
        }
        lock.withLock { pending = outcome }
    }

    /// Whether a started check has not ended yet (its verdict may be ready
    /// and not yet asked for: that is not running).
    var isRunning: Bool {
        guard let outcome = lock.withLock({ pending }) else { return false }
        return outcome.done.wait(timeout: .now()) == .timedOut
    }

    /// Waits for a started check and throws what it found, once; returns at
    /// once when none is pending.
    func pass() throws {
        guard let outcome = lock.withLock({ () -> Outcome? in
            defer { pending = nil }
            return pending
        }) else { return }
        outcome.done.wait()
        if let error = outcome.error { throw error }
    }
}
