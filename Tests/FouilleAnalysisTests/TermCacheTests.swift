@testable import FouilleAnalysis
import XCTest

final class TermCacheTests: XCTestCase {
    /// A compute function that counts its calls per word.
    private final class Counter {
        var calls: [String: Int] = [:]
        var total: Int { calls.values.reduce(0, +) }

        func compute(_ word: String) -> String? {
            calls[word, default: 0] += 1
            return word.hasPrefix("-") ? nil : word.uppercased()
        }
    }

    func testHitsDoNotRecompute() {
        var cache = TermCache(capacity: 100)
        let counter = Counter()
        for _ in 0..<5 {
            XCTAssertEqual(cache.term(for: "corée", compute: counter.compute), "CORÉE")
            XCTAssertEqual(cache.term(for: "ukraine", compute: counter.compute), "UKRAINE")
        }
        XCTAssertEqual(counter.calls, ["corée": 1, "ukraine": 1])
        XCTAssertEqual(cache.count, 2)
    }

    /// A dropped word (a stop word) is remembered as dropped.
    func testNilIsCached() {
        var cache = TermCache(capacity: 100)
        let counter = Counter()
        for _ in 0..<3 {
            XCTAssertNil(cache.term(for: "-le", compute: counter.compute))
        }
        XCTAssertEqual(counter.calls["-le"], 1)
    }

    /// An empty term cannot be told apart from a dropped word: both come back nil.
    func testEmptyTermComesBackAsNil() {
        var cache = TermCache(capacity: 10)
        XCTAssertNil(cache.term(for: "x", compute: { _ in "" }))
        XCTAssertNil(cache.term(for: "x", compute: { _ in XCTFail("cached"); return "y" }))
    }

    func testCapacityIsSplitBetweenTwoGenerations() {
        XCTAssertEqual(TermCache(capacity: 50_000).capacity, 25_000)
        XCTAssertEqual(TermCache(capacity: 10).capacity, 5)
        XCTAssertEqual(TermCache(capacity: 3).capacity, 1)
        XCTAssertEqual(TermCache(capacity: 1).capacity, 1)
        XCTAssertEqual(TermCache(capacity: 0).capacity, 1)
        XCTAssertEqual(TermCache(capacity: -5).capacity, 1)
    }

    func testSizeIsBounded() {
        var cache = TermCache(capacity: 10)
        let counter = Counter()
        for i in 0..<1_000 {
            _ = cache.term(for: "mot\(i)", compute: counter.compute)
            XCTAssertLessThanOrEqual(cache.count, 10)
        }
    }

    /// Two generations of 2: a word looked up since the last turnover survives
    /// the next one; a word not looked up is forgotten after two.
    func testRecentlyUsedWordsSurviveTurnover() {
        var cache = TermCache(capacity: 4)
        let counter = Counter()
        _ = cache.term(for: "a", compute: counter.compute)
        _ = cache.term(for: "b", compute: counter.compute)
        _ = cache.term(for: "c", compute: counter.compute)  // young full: a, b become old
        _ = cache.term(for: "a", compute: counter.compute)  // old hit, back to young
        XCTAssertEqual(counter.calls["a"], 1)
        _ = cache.term(for: "d", compute: counter.compute)  // young (c, a) becomes old, b is gone
        _ = cache.term(for: "a", compute: counter.compute)
        _ = cache.term(for: "c", compute: counter.compute)
        XCTAssertEqual(counter.calls["a"], 1)
        XCTAssertEqual(counter.calls["c"], 1)
        _ = cache.term(for: "b", compute: counter.compute)
        XCTAssertEqual(counter.calls["b"], 2)
    }

    /// Whatever it evicts, the cache answers what compute would.
    func testAnswersAreThoseOfComputeUnderChurn() {
        let vocabulary = ["le", "-de", "corée", "séoul", "-la", "ukraine", "kyiv", "paris", "-et", "2024", "été"]
        for capacity in [0, 1, 2, 3, 5, 8, 100] {
            var cache = TermCache(capacity: capacity)
            let counter = Counter()
            var state: UInt64 = 42
            for _ in 0..<2_000 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let word = vocabulary[Int(state >> 33) % vocabulary.count]
                XCTAssertEqual(cache.term(for: word, compute: counter.compute), counter.compute(word), "\(word) at \(capacity)")
            }
        }
    }

    /// With room for the whole vocabulary, each word is computed once.
    func testLargeCacheComputesEachWordOnce() {
        var cache = TermCache(capacity: 1_000)
        let counter = Counter()
        let words = (0..<300).map { "mot\($0 % 100)" }
        for word in words { _ = cache.term(for: word, compute: counter.compute) }
        XCTAssertEqual(counter.total, 100)
    }
}
