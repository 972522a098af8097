import FouilleIndex
import Foundation
import NIOConcurrencyHelpers

/// The index generation the daemon serves, replaced when a newer one is published.
///
/// A query takes the current `SearchIndex` once and runs wholly on it, so
/// a switch never mixes generations inside one answer. The old generation
/// closes when its last query lets go of it. New documents committed to the
/// current generation by a concurrent `fouille ingest` need nothing: WAL
/// shows them to every read that starts after the commit.
final class LiveIndex: Sendable {
    let location: IndexLocation
    private let current: NIOLockedValueBox<SearchIndex>

    init(location: IndexLocation) throws {
        self.location = location
        current = NIOLockedValueBox(try SearchIndex.open(location, readOnly: true))
    }

    /// The generation to run the next query on.
    var index: SearchIndex { current.withLockedValue { $0 } }

    /// Opens the generation `CURRENT` names if it is not the one served.
    /// Returns the new generation's number, or nil when nothing changed.
    @discardableResult
    func reloadIfChanged() throws -> Int? {
        let newest = try location.currentGeneration()
        guard newest != index.generation else { return nil }
        return try reload()
    }

    /// Re-opens the generation `CURRENT` names, even if it is the one served.
    @discardableResult
    func reload() throws -> Int {
        let fresh = try SearchIndex.open(location, readOnly: true)
        current.withLockedValue { $0 = fresh }
        return fresh.generation.number
    }
}
