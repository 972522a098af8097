import ArgumentParser
import Foundation

/// CPU priority of this process, for work that must yield to the daemon.
///
/// `nice -n 10 fouille rebuild` is not enough: libdispatch gives the threads
/// it starts nice values of its own, from their queue's quality of service.
/// Ingest and rebuild set every thread again after each batch.
enum Priority {
    /// Sets the nice value of every thread of the process. On Linux
    /// `setpriority` moves one thread only, so each one in `/proc/self/task`
    /// is set; threads started later inherit it from the thread that starts them.
    static func validate(_ nice: Int32) throws {
        guard (0...19).contains(nice) else { throw ValidationError("--nice must be between 0 and 19") }
    }

    static func lower(to nice: Int32) {
        guard nice > 0 else { return }
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for thread in threads.compactMap({ id_t($0) }) {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread, nice)
        }
    }
}
