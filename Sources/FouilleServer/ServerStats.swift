import Foundation
import NIOConcurrencyHelpers

/// Counters for `STATS`: queries, errors, connections and query latency since start.
final class ServerStats: Sendable {
    let started = Date()
    private let state = NIOLockedValueBox(State())

    private struct State {
        var queries = 0
        var errors = 0
        var connections = 0
        var latency = LatencyHistogram()
    }

    func recordQuery(seconds: Double) {
        state.withLockedValue {
            $0.queries += 1
            $0.latency.record(seconds)
        }
    }

    func recordError() { state.withLockedValue { $0.errors += 1 } }

    /// Adds (or removes, with -1) an open connection; returns how many are open.
    @discardableResult
    func connectionsChanged(by delta: Int) -> Int {
        state.withLockedValue {
            $0.connections += delta
            return $0.connections
        }
    }

    var connections: Int { state.withLockedValue { $0.connections } }

    struct Snapshot {
        var queries: Int
        var errors: Int
        var connections: Int
        var p50: Double
        var p99: Double
    }

    var snapshot: Snapshot {
        state.withLockedValue {
            Snapshot(
                queries: $0.queries, errors: $0.errors, connections: $0.connections,
                p50: $0.latency.percentile(0.50), p99: $0.latency.percentile(0.99))
        }
    }
}

/// Query times in logarithmic buckets (eight per doubling, from 1 µs to
/// about 100 s): constant memory however long the daemon runs, percentiles
/// within 9%.
struct LatencyHistogram {
    static let bucketsPerDoubling = 8.0
    static let smallest = 1e-6
    private(set) var counts = [UInt64](repeating: 0, count: 220)
    private(set) var total: UInt64 = 0

    mutating func record(_ seconds: Double) {
        // Clamped as a Double: converting an infinite position (or NaN) to Int would trap.
        let position = seconds > Self.smallest ? log2(seconds / Self.smallest) * Self.bucketsPerDoubling : 0
        counts[Int(min(Double(counts.count - 1), position.rounded(.up)))] += 1
        total += 1
    }

    /// The upper bound of the bucket holding the `fraction` quantile, in seconds; 0 when empty.
    func percentile(_ fraction: Double) -> Double {
        guard total > 0 else { return 0 }
        let rank = UInt64((Double(total) * fraction).rounded(.up))
        var seen: UInt64 = 0
        for (bucket, count) in counts.enumerated() {
            seen += count
            if seen >= max(1, rank) { return Self.smallest * pow(2, Double(bucket) / Self.bucketsPerDoubling) }
        }
        return Self.smallest * pow(2, Double(counts.count - 1) / Self.bucketsPerDoubling)
    }
}
