import FouilleIndex
import Foundation
import Logging

/// How `fouille rebuild` runs.
public struct RebuildOptions: Sendable {
    public var ingest = IngestOptions()
    /// Publish even when the new generation holds less than half the
    /// documents of the one in service (a source folder unmounted, say).
    public var allowShrink = false
    /// For crash tests: stop the process at one moment of the rebuild.
    public var fault: RebuildFault?

    public init() {}
}

/// Moments where a crash test can stop a rebuild (`FOUILLE_REBUILD_FAULT`),
/// or a damage that its checks must catch.
public enum RebuildFault: String, Sendable, CaseIterable {
    /// Stop (SIGSTOP) once the first batch is written into the new generation.
    case pauseBuilding = "pause-building"
    /// Stop after the checks passed, just before `CURRENT` is replaced.
    case pauseChecked = "pause-checked"
    /// Stop just after `CURRENT` is replaced, before the old generation is removed.
    case pausePublished = "pause-published"
    /// Delete one row of the new generation's documents behind FTS5's back,
    /// before the checks.
    case damage
}

/// Why a rebuild did not publish a generation. The one in service stays.
public enum RebuildError: Error, CustomStringConvertible {
    case noSources(path: String)
    case unreadableIndex(path: String, reason: String)
    case checkFailed(generation: String, reason: String)
    case shrink(generation: String, documents: Int, current: Int)

    public var description: String {
        switch self {
        case .noSources(let path):
            return "the index \(path) records no source folders: give them, as in 'fouille rebuild --index \(path) DIR...'"
        case .unreadableIndex(let path, let reason):
            return "cannot read the source folders recorded in \(path) (\(reason)): give them, as in 'fouille rebuild --index \(path) DIR...'"
        case .checkFailed(let generation, let reason):
            return "the new generation \(generation) failed its checks (\(reason)); it was deleted and the current generation stays in service"
        case .shrink(let generation, let documents, let current):
            return "the new generation \(generation) holds \(documents) documents where the one in service holds \(current)"
                + " (a source folder empty or unmounted?); it was deleted and the current generation stays."
                + " Pass --allow-shrink if this is intended"
        }
    }
}

/// What a rebuild did.
public struct RebuildReport: Sendable {
    public var generation: Generation
    public var previous: Generation?
    public var summary: IngestSummary
    public var documents: Int
    public var fileBytes: Int64
    public var sources: [String]
    /// Old generations removed, or kept because a process still had them open.
    public var swept: [SweptFile]
}

/// Builds a complete new generation of an index from its source folders,
/// checks it, and publishes it, while the current one stays in service.
///
/// The caller holds the index's ``WriterLock``. Until `CURRENT` is replaced,
/// nothing a reader sees changes; a rebuild killed at any moment leaves the
/// current generation whole, and the next run sweeps its debris. Publication
/// is the atomic replacement of `CURRENT`: a daemon switches to the new
/// generation on its next check, and a query runs wholly on one generation.
public final class Rebuilder {
    private let location: IndexLocation
    private let options: RebuildOptions
    private let logger: Logger
    private let progress: ((IngestProgress) -> Void)?

    public init(location: IndexLocation, options: RebuildOptions = RebuildOptions(), logger: Logger,
                progress: ((IngestProgress) -> Void)? = nil) {
        self.location = location
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    /// Rebuilds from `folders`, or from the folders the index records when nil.
    public func run(_ folders: [String]? = nil) throws -> RebuildReport {
        let current = try currentState(folders: folders)
        let sources = try (folders ?? current.sources).map(Ingester.absoluteFolder)
        guard !sources.isEmpty else { throw RebuildError.noSources(path: location.path) }

        let number = location.nextGenerationNumber()
        let building = try SearchIndex.createGeneration(location, number: number, tokenizer: current.tokenizer)
        let name = building.generation.file.lastPathComponent
        logger.debug("building \(name) from \(sources.joined(separator: ", "))")
        do {
            var paused = false
            // The generation is merged and compacted whole before it is published.
            var ingestOptions = options.ingest
            ingestOptions.mergeWhenGrown = false
            let summary = try Ingester(index: building, options: ingestOptions, logger: logger) { step in
                self.progress?(step)
                if !paused && self.options.fault == .pauseBuilding {
                    paused = true
                    Self.pause(at: .pauseBuilding)
                }
            }.run(sources)
            let documents = try check(building, summary: summary, current: current.documents)
            try building.checkpoint()
            pause(at: .pauseChecked)
            try location.publish(building.generation)
            pause(at: .pausePublished)
            try building.close()
            let attributes = try? FileManager.default.attributesOfItem(atPath: building.generation.file.path)
            let size = (attributes?[.size] as? Int64) ?? 0
            return RebuildReport(
                generation: building.generation, previous: current.generation, summary: summary,
                documents: documents, fileBytes: size, sources: sources,
                swept: location.sweep(unpublished: true))
        } catch {
            try? building.close()
            if (try? location.currentGeneration()) != building.generation {
                location.discard(building.generation)
            }
            throw error
        }
    }

    private struct CurrentState {
        var generation: Generation?
        var sources: [String] = []
        var documents = 0
        var tokenizer = TextTokenizer.french
    }

    /// What the generation in service says: its sources, size and analysis.
    /// A damaged index is what a rebuild repairs, so it only needs folders.
    private func currentState(folders: [String]?) throws -> CurrentState {
        do {
            // A file damaged in its middle opens, and fails when read.
            let index = try SearchIndex.open(location, readOnly: true)
            // Closed before the sweep: this process must not hold the old file open.
            defer { try? index.close() }
            return CurrentState(
                generation: index.generation, sources: try index.sources(),
                documents: try index.documentCount(), tokenizer: index.tokenizer)
        } catch IndexError.missing where folders != nil {
            return CurrentState()
        } catch {
            guard folders != nil else {
                throw RebuildError.unreadableIndex(path: location.path, reason: "\(error)")
            }
            logger.warning("the generation in service cannot be read (\(error)); rebuilding from the folders given")
            return CurrentState()
        }
    }

    /// SQLite's quick_check, FTS5's integrity-check after optimize (the form
    /// that gets published), and the documents counted against the walk.
    private func check(_ building: SearchIndex, summary: IngestSummary, current: Int) throws -> Int {
        let name = building.generation.file.lastPathComponent
        if options.fault == .damage {
            try building.damageForTests()
        }
        let documents: Int
        do {
            try building.optimize()
            try building.integrityCheck()
            documents = try building.documentCount()
        } catch {
            throw RebuildError.checkFailed(generation: name, reason: "\(error)")
        }
        guard documents == summary.added else {
            throw RebuildError.checkFailed(
                generation: name, reason: "it holds \(documents) documents, the walk indexed \(summary.added)")
        }
        if !options.allowShrink && current >= 10 && documents < current / 2 {
            throw RebuildError.shrink(generation: name, documents: documents, current: current)
        }
        return documents
    }

    private func pause(at moment: RebuildFault) {
        if options.fault == moment { Self.pause(at: moment) }
    }

    /// Announces the moment on standard error and stops the process, for a
    /// test to kill it there.
    private static func pause(at moment: RebuildFault) {
        FileHandle.standardError.write(Data("fouille: paused at \(moment.rawValue) (pid \(getpid()))\n".utf8))
        raise(SIGSTOP)
    }
}
