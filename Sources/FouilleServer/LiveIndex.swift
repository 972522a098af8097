import FouilleIndex
import Foundation
import NIOConcurrencyHelpers

/// The index generation the daemon serves, replaced when a newer one is published.
///
/// A query takes the current `SearchIndex` once and runs wholly on it, so
/// a switch never mixes generations inside one answer. The old generation
/// closes when its last query lets go of it, and its file is deleted then
/// (``sweepRetired()``) unless another process still has it open. New
/// documents committed to the current generation by a concurrent
/// `fouille ingest` need nothing: WAL shows them to every read that starts
/// after the commit.
final class LiveIndex: Sendable {
    let location: IndexLocation
    private let current: NIOLockedValueBox<SearchIndex>
    private let retired = NIOLockedValueBox<[Retired]>([])

    /// A generation replaced in service, still open while queries hold it.
    private struct Retired: @unchecked Sendable {
        weak var index: SearchIndex?
        let generation: Generation
    }

    /// Reader connections each generation opens up front for queries: one
    /// per query thread (two when ranking in halves).
    private let readers: Int
    /// Bytes of postings each generation holds for ranking.
    private let postingsMemory: Int

    init(location: IndexLocation, readers: Int, postingsMemory: Int = Limits().postingsMemory) throws {
        self.location = location
        self.readers = readers
        self.postingsMemory = postingsMemory
        current = NIOLockedValueBox(try Self.open(location, readers: readers, postingsMemory: postingsMemory))
    }

    private static func open(_ location: IndexLocation, readers: Int, postingsMemory: Int) throws -> SearchIndex {
        let index = try SearchIndex.open(location, readOnly: true)
        try index.openReaders(readers)
        index.holdPostings(upTo: postingsMemory, settling: .seconds(1))
        return index
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
        let fresh = try Self.open(location, readers: readers, postingsMemory: postingsMemory)
        let old = current.withLockedValue { served in
            defer { served = fresh }
            return served
        }
        if old.generation != fresh.generation {
            retired.withLockedValue { $0.append(Retired(index: old, generation: old.generation)) }
        }
        return fresh.generation.number
    }

    /// Deletes the files of the generations this daemon has stopped serving
    /// and closed, once no other process has them open either.
    func sweepRetired() -> [SweptFile] {
        let closed = retired.withLockedValue { list in Set(list.filter { $0.index == nil }.map(\.generation.number)) }
        guard !closed.isEmpty else { return [] }
        let stillOpen = retired.withLockedValue { list in Set(list.filter { $0.index != nil }.map(\.generation.number)) }
        let swept = location.sweep(unpublished: false, only: closed.subtracting(stillOpen).subtracting([index.generation.number]))
        let settled = Set(swept.filter { $0.reason != .inUse }.map(\.name))
        retired.withLockedValue { list in
            list.removeAll { entry in
                entry.index == nil
                    && (settled.contains(entry.generation.file.lastPathComponent)
                        || !FileManager.default.fileExists(atPath: entry.generation.file.path))
            }
        }
        return swept
    }
}
