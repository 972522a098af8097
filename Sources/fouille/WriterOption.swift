import ArgumentParser
import FouilleIndex
import Logging

/// `--wait`, and taking the index's one-writer lock for `ingest` and `rebuild`.
struct WriterOption: ParsableArguments {
    @Flag(help: "If another ingest or rebuild holds the index, wait for it instead of exiting with status 75.")
    var wait = false

    /// Takes the lock, then clears what an interrupted run left behind and
    /// says what it removed.
    func lock(_ location: IndexLocation, command: String, logger: Logger) throws -> WriterLock {
        let lock: WriterLock
        do {
            lock = try WriterLock(location, command: command, wait: wait)
        } catch {
            throw Terminal.fail(error)
        }
        if let previous = lock.interruptedHolder {
            logger.warning("an earlier run did not finish (\(previous)); cleaning up after it")
        }
        for file in location.sweep(unpublished: true) {
            switch file.reason {
            case .superseded: logger.info("\(location.path): \(file)")
            case .unpublished, .unfinishedPointer: logger.warning("\(location.path): \(file)")
            case .inUse: break
            }
        }
        return lock
    }
}
