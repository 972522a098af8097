import XCTest

@testable import FouilleServer

/// Query latency percentiles from logarithmic buckets: within 10% of the truth.
final class LatencyHistogramTests: XCTestCase {
    /// A deterministic generator (a 64-bit LCG), for reproducible distributions.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
    }

    /// The nearest-rank quantile of the recorded values: what the histogram estimates.
    func exactPercentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        let rank = max(1, Int((Double(sorted.count) * fraction).rounded(.up)))
        return sorted[rank - 1]
    }

    func histogram(_ values: [Double]) -> LatencyHistogram {
        var histogram = LatencyHistogram()
        for value in values { histogram.record(value) }
        return histogram
    }

    func assertWithinTenPercent(
        _ values: [Double], fractions: [Double] = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1],
        _ name: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        let histogram = histogram(values)
        for fraction in fractions {
            let exact = exactPercentile(values, fraction)
            let estimate = histogram.percentile(fraction)
            XCTAssertLessThanOrEqual(
                abs(estimate - exact) / exact, 0.10, "\(name), p\(fraction * 100): \(estimate) for \(exact)",
                file: file, line: line)
        }
    }

    // MARK: - Empty and degenerate

    func testEmptyIsZero() {
        let histogram = LatencyHistogram()
        for fraction in [0, 0.5, 0.99, 1] {
            XCTAssertEqual(histogram.percentile(fraction), 0)
        }
        XCTAssertEqual(histogram.total, 0)
    }

    func testOneValue() {
        let histogram = histogram([0.0042])
        for fraction in [0, 0.01, 0.5, 0.99, 1] {
            let estimate = histogram.percentile(fraction)
            XCTAssertGreaterThanOrEqual(estimate, 0.0042, "an upper bound")
            XCTAssertLessThanOrEqual(estimate, 0.0042 * 1.10)
        }
    }

    func testConstantDistribution() {
        assertWithinTenPercent(Array(repeating: 0.0035, count: 10_000), "3.5 ms every time")
        assertWithinTenPercent(Array(repeating: 0.000_020, count: 500), "20 µs every time")
        assertWithinTenPercent(Array(repeating: 1.5, count: 100), "1.5 s every time")
    }

    func testValuesAtOrBelowOneMicrosecondShareTheFirstBucket() {
        let histogram = histogram([0, 1e-9, 1e-6, -0.5])
        XCTAssertEqual(histogram.counts[0], 4)
        XCTAssertEqual(histogram.percentile(0.5), 1e-6)
        XCTAssertEqual(histogram.percentile(1), 1e-6)
    }

    func testValuesPastTheRangeLandInTheLastBucket() {
        let histogram = histogram([500, 86_400, 1e300])
        XCTAssertEqual(histogram.counts.last, 3)
        let top = histogram.percentile(0.5)
        XCTAssertTrue(top.isFinite)
        XCTAssertGreaterThanOrEqual(top, 100, "the range reaches about 100 s")
        XCTAssertEqual(histogram.percentile(1), top)
    }

    func testNonFiniteValuesDoNotTrap() {
        var histogram = LatencyHistogram()
        histogram.record(.infinity)
        histogram.record(.nan)
        histogram.record(-.infinity)
        XCTAssertEqual(histogram.total, 3)
        XCTAssertEqual(histogram.counts.reduce(0, +), 3)
        XCTAssertTrue(histogram.percentile(0.5).isFinite)
    }

    // MARK: - Known distributions

    func testUniformDistribution() {
        // 1 ms, 2 ms … 1000 ms.
        let values = (1...1000).map { Double($0) / 1000 }
        assertWithinTenPercent(values, "uniform 1–1000 ms")
        let histogram = histogram(values)
        XCTAssertEqual(histogram.percentile(0.5), 0.5, accuracy: 0.05)
        XCTAssertEqual(histogram.percentile(0.99), 0.99, accuracy: 0.099)
    }

    func testBimodalDistribution() {
        // 90% fast queries at 0.8 ms, 10% slow ones at 1.2 s.
        let values = Array(repeating: 0.0008, count: 9000) + Array(repeating: 1.2, count: 1000)
        let histogram = histogram(values)
        XCTAssertEqual(histogram.percentile(0.5), 0.0008, accuracy: 0.000_08)
        XCTAssertEqual(histogram.percentile(0.9), 0.0008, accuracy: 0.000_08)
        XCTAssertEqual(histogram.percentile(0.91), 1.2, accuracy: 0.12)
        XCTAssertEqual(histogram.percentile(0.99), 1.2, accuracy: 0.12)
        assertWithinTenPercent(values, "bimodal")
    }

    func testLogUniformDistribution() {
        // 10 µs to 10 s, evenly spread over six decades.
        var generator = Generator(state: 2024)
        let values = (0..<50_000).map { _ in pow(10, Double.random(in: -5...1, using: &generator)) }
        assertWithinTenPercent(values, "log-uniform 10 µs – 10 s")
    }

    func testExponentialDistribution() {
        // Mean 5 ms: a typical query-time tail.
        var generator = Generator(state: 7)
        let values = (0..<20_000).map { _ in -0.005 * log(1 - Double.random(in: 0..<1, using: &generator)) }
            .filter { $0 > 0 }
        assertWithinTenPercent(values, "exponential, mean 5 ms")
    }

    func testOrderOfRecordingDoesNotMatter() {
        var generator = Generator(state: 99)
        let values = (0..<2000).map { _ in Double.random(in: 0.0001...0.2, using: &generator) }
        let forward = histogram(values)
        let backward = histogram(values.reversed())
        XCTAssertEqual(forward.counts, backward.counts)
        for fraction in [0.5, 0.9, 0.99] {
            XCTAssertEqual(forward.percentile(fraction), backward.percentile(fraction))
        }
    }

    func testPercentilesGrowWithTheFraction() {
        var generator = Generator(state: 3)
        let histogram = histogram((0..<5000).map { _ in Double.random(in: 0.000_05...3, using: &generator) })
        var previous = 0.0
        for step in 0...100 {
            let value = histogram.percentile(Double(step) / 100)
            XCTAssertGreaterThanOrEqual(value, previous, "p\(step)")
            previous = value
        }
    }

    func testMemoryIsConstant() {
        var histogram = LatencyHistogram()
        let buckets = histogram.counts.count
        for index in 0..<100_000 { histogram.record(Double(index % 977) * 1e-4) }
        XCTAssertEqual(histogram.counts.count, buckets)
        XCTAssertEqual(histogram.total, 100_000)
        XCTAssertEqual(histogram.counts.reduce(0, +), 100_000)
    }

    // MARK: - Through ServerStats

    func testServerStatsSnapshot() {
        let stats = ServerStats()
        XCTAssertEqual(stats.snapshot.p50, 0)
        XCTAssertEqual(stats.snapshot.p99, 0)
        for index in 1...100 { stats.recordQuery(seconds: Double(index) / 1000) }
        stats.recordError()
        stats.connectionsChanged(by: 2)
        XCTAssertEqual(stats.connectionsChanged(by: -1), 1)
        let snapshot = stats.snapshot
        XCTAssertEqual(snapshot.queries, 100)
        XCTAssertEqual(snapshot.errors, 1)
        XCTAssertEqual(snapshot.connections, 1)
        XCTAssertEqual(snapshot.p50, 0.050, accuracy: 0.005)
        XCTAssertEqual(snapshot.p99, 0.099, accuracy: 0.0099)
    }
}
