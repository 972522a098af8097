import FouilleAnalysis
import Foundation

/// Query parsers for concurrent searches. An analyzer is not thread-safe and
/// costs an ICU iterator and a stemmer to make, so searches borrow one from
/// here and give it back, rather than make one per query or share one.
final class QueryParserPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [QueryParser] = []
    private let cacheCapacity: Int

    init(cacheCapacity: Int = 4096) {
        self.cacheCapacity = cacheCapacity
    }

    func withParser<T>(_ body: (QueryParser) throws -> T) rethrows -> T {
        lock.lock()
        let parser = idle.popLast() ?? QueryParser(analyzer: FrenchAnalyzer(cacheCapacity: cacheCapacity))
        lock.unlock()
        defer {
            lock.lock()
            if idle.count < 16 { idle.append(parser) }
            lock.unlock()
        }
        return try body(parser)
    }
}
