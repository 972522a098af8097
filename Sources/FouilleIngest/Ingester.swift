import FouilleIndex
import Foundation
import Logging

/// How `fouille ingest` treats a folder.
public struct IngestOptions: Sendable {
    /// Remove documents whose files are gone from the folders walked.
    public var prune = false
    public var followSymlinks = false
    /// Larger files are refused (an article is a few kilobytes; a 1 GB log is not one).
    public var maximumFileSize: Int64 = 10 * 1_048_576
    public var markers: BoilerplateMarkers = .french
    /// A batch is committed once it holds this many files or bytes, whichever
    /// comes first: a killed run loses at most one batch (or, at its start,
    /// the batches written while the whole-file check ran, which commit
    /// together once it has passed), and a transaction per file would be an
    /// fsync per file.
    public var batchFiles = 500
    public var batchBytes: Int64 = 16 * 1_048_576
    /// The priority of the reading and analysing threads. libdispatch sets
    /// its threads' nice values from this, whatever the process's own: a
    /// rebuild runs `.utility`, below the daemon's queries.
    public var qos: DispatchQoS = .default
    /// Merge the full-text index into one segment at the end of a run that
    /// added or changed at least as many documents as the index held before
    /// it (a first load, or one that doubles the index): queries get faster,
    /// and a merge costs about what writing the index did, so it is paid at
    /// most once per doubling. Smaller runs leave merging to FTS5.
    public var mergeWhenGrown = true

    public init() {}
}

/// Why a whole ingest could not run (one bad file never stops it).
public enum IngestError: Error, CustomStringConvertible {
    case notAFolder(String)

    public var description: String {
        switch self {
        case .notAFolder(let path): return "\(path) is not a folder (fouille ingest takes folders of .txt articles)"
        }
    }
}

/// Walks folders of articles into an index, incrementally.
///
/// An unchanged file (same size and modification time, or else same bytes)
/// is not analysed again; a changed one replaces its document; with
/// ``IngestOptions/prune`` documents whose files are gone are removed. Work is
/// committed in batches, so a run killed at any point leaves every batch
/// committed before it, and the next run completes the rest.
public final class Ingester: @unchecked Sendable {
    private let index: SearchIndex
    private let options: IngestOptions
    private let logger: Logger
    private let progress: ((IngestProgress) -> Void)?
    private let parser: ArticleParser

    public init(index: SearchIndex, options: IngestOptions = IngestOptions(), logger: Logger,
                progress: ((IngestProgress) -> Void)? = nil) {
        self.index = index
        self.options = options
        self.logger = logger
        self.progress = progress
        self.parser = ArticleParser(markers: options.markers)
    }

    /// Ingests each folder in turn.
    public func run(_ folders: [String]) throws -> IngestSummary {
        let start = Date()
        let roots = try folders.map(Self.absoluteFolder)
        var summary = IngestSummary()
        var walks: [(root: String, walk: DirectoryWalker.Result)] = []
        for root in roots {
            let walk = DirectoryWalker(followSymlinks: options.followSymlinks).walk(root)
            summary.skipped += walk.skipped
            for problem in walk.problems {
                logger.warning("\(Self.printable(problem.path)): \(problem.reason)")
                if problem.failed { summary.failed += 1 } else { summary.skipped += 1 }
            }
            walks.append((root, walk))
        }
        let documentsBefore = options.mergeWhenGrown ? try index.documentCount() : 0
        var tracker = ProgressTracker(
            filesTotal: walks.reduce(0) { $0 + $1.walk.candidates.count },
            bytesTotal: walks.reduce(0) { $0 + $1.walk.candidates.reduce(0) { $0 + $1.size } },
            start: start, report: progress)
        for (root, walk) in walks {
            try ingest(walk.candidates, from: root, into: &summary, tracker: &tracker)
            if options.prune {
                summary.removed += try prune(root, keeping: Set(walk.candidates.map(\.id)))
            }
        }
        if options.mergeWhenGrown, summary.added + summary.updated >= max(1, documentsBefore) {
            try mergeSegments()
        }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// Merges the index's segments into one, saying so: on a large index it takes a while.
    private func mergeSegments() throws {
        let segments = try index.segmentCount()
        guard segments > 1 else { return }
        logger.info("merging the full-text index's \(segments) segments into one")
        let start = Date()
        try index.mergeSegments()
        logger.info("merged in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }

    /// A path as one line of log: control characters escaped (`\n`,
    /// `\u{1B}`), so that a file's name cannot forge log lines or drive the
    /// terminal.
    static func printable(_ path: String) -> String {
        guard path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return path }
        return path.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? $0.escaped(asASCII: true) : String($0) }.joined()
    }

    static func absoluteFolder(_ path: String) throws -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath()
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw IngestError.notAFolder(path)
        }
        return url.path
    }

    /// What to do with one file, decided outside the write transaction.
    private enum Change {
        case upsert(Document)
        case touch(id: String, FileState)
    }

    /// What writing each document did (nil: its file was only touched), by id.
    private typealias Outcomes = [(id: String, outcome: IndexWriter.Outcome?)]

    /// A batch read, decoded and parsed, ready to write.
    private struct Prepared {
        var candidates: ArraySlice<DirectoryWalker.Candidate>
        var changes: [Change] = []
        var analyzed: PreAnalyzed?
        /// What preparing found: unchanged, skipped, failed files, bytes read.
        var summary = IngestSummary()
    }

    /// Reads and parses one batch while the previous one is written: file
    /// work and SQLite (where the French analysis runs, inside FTS5) overlap
    /// on two cores. Batches are written in order, one transaction each,
    /// except while the whole-file check the first commit waits for is still
    /// running (``SearchIndex/isCheckRunning``): the batches ready meanwhile
    /// join that first transaction instead of waiting. The check reads the
    /// whole file, so it takes longer as the index grows; waiting for it made
    /// each ingest slower by a second per gigabyte of index.
    private func ingest(_ candidates: [DirectoryWalker.Candidate], from root: String,
                        into summary: inout IngestSummary, tracker: inout ProgressTracker) throws {
        let known = try index.fileStates(source: root)
        let ahead = ReadAhead(batches(of: candidates, known: known), qos: options.qos) {
            self.prepare($0, from: root, known: known)
        }
        defer { ahead.finish(releasing: index.releaseAnalysis) }
        while let first = ahead.next() {
            // What each batch of the transaction leaves once written: its
            // counts, and its analysis to release. Not its documents: a
            // long check can let many batches into one transaction.
            var written = [(summary: first.summary, analyzed: first.analyzed)]
            defer { for batch in written { batch.analyzed.map(index.releaseAnalysis) } }
            var outcomes: Outcomes = []
            if first.changes.isEmpty {
                for candidate in first.candidates { tracker.advance(bytes: candidate.size) }
            } else {
                outcomes = try index.write { writer in
                    try writer.addSource(root)
                    var outcomes: Outcomes = []
                    var batch = first
                    while true {
                        outcomes += try write(batch.changes, with: writer)
                        for candidate in batch.candidates { tracker.advance(bytes: candidate.size) }
                        guard index.isCheckRunning, let following = ahead.next() else { return outcomes }
                        written.append((following.summary, following.analyzed))
                        batch = following
                    }
                }
            }
            for batch in written {
                summary.unchanged += batch.summary.unchanged
                summary.skipped += batch.summary.skipped
                summary.failed += batch.summary.failed
                summary.bytes += batch.summary.bytes
            }
            count(outcomes, from: root, into: &summary)
        }
        if known.isEmpty && candidates.isEmpty {
            try index.write { try $0.addSource(root) }
        }
    }

    /// Batches prepared one ahead on a reading thread, in order.
    private final class ReadAhead: @unchecked Sendable {
        private let batches: [ArraySlice<DirectoryWalker.Candidate>]
        private let prepare: (ArraySlice<DirectoryWalker.Candidate>) -> Prepared
        private let reader: DispatchQueue
        private let ready = DispatchGroup()
        private var position = 0
        private var slot: Prepared?

        init(_ batches: [ArraySlice<DirectoryWalker.Candidate>], qos: DispatchQoS,
             prepare: @escaping (ArraySlice<DirectoryWalker.Candidate>) -> Prepared) {
            self.batches = batches
            self.prepare = prepare
            self.reader = DispatchQueue(label: "fouille.ingest.reader", qos: qos)
            startPreparing()
        }

        /// The next batch, once prepared; the one after it starts preparing.
        func next() -> Prepared? {
            ready.wait()
            guard let prepared = slot else { return nil }
            slot = nil
            position += 1
            startPreparing()
            return prepared
        }

        /// Waits for the batch being prepared, which no one will write, and
        /// drops its analysis.
        func finish(releasing release: (PreAnalyzed) -> Void) {
            ready.wait()
            slot?.analyzed.map(release)
            slot = nil
        }

        private func startPreparing() {
            guard position < batches.count else { return }
            let batch = batches[position]
            reader.async(group: ready) { self.slot = self.prepare(batch) }
        }
    }

    /// Consecutive slices holding at most ``IngestOptions/batchFiles`` files
    /// or ``IngestOptions/batchBytes`` bytes to read (unchanged files ride along).
    private func batches(of candidates: [DirectoryWalker.Candidate], known: [String: FileState])
        -> [ArraySlice<DirectoryWalker.Candidate>]
    {
        var batches: [ArraySlice<DirectoryWalker.Candidate>] = []
        var start = 0, files = 0
        var bytes: Int64 = 0
        for (i, candidate) in candidates.enumerated() {
            if let old = known[candidate.id], old.size == candidate.size, old.mtime == candidate.mtime { continue }
            files += 1
            bytes += candidate.size
            if files >= max(1, options.batchFiles) || bytes >= options.batchBytes {
                batches.append(candidates[start...i])
                start = i + 1
                files = 0
                bytes = 0
            }
        }
        if start < candidates.count { batches.append(candidates[start...]) }
        return batches
    }

    private func prepare(_ candidates: ArraySlice<DirectoryWalker.Candidate>, from root: String,
                         known: [String: FileState]) -> Prepared {
        var prepared = Prepared(candidates: candidates)
        for candidate in candidates {
            if let old = known[candidate.id], old.size == candidate.size, old.mtime == candidate.mtime {
                prepared.summary.unchanged += 1
                continue
            }
            switch read(candidate) {
            case .failure(let reason):
                logger.error("\(candidate.path): \(reason)")
                prepared.summary.failed += 1
            case .skip(let reason):
                logger.warning("\(candidate.path): \(reason)")
                prepared.summary.skipped += 1
            case .success(let bytes, let text):
                prepared.summary.bytes += Int64(bytes.count)
                let state = FileState(size: Int64(bytes.count), mtime: candidate.mtime, hash: ContentHash.of(bytes))
                if let old = known[candidate.id], old.hash == state.hash {
                    prepared.changes.append(.touch(id: candidate.id, state))
                } else {
                    let article = parser.parse(text)
                    prepared.changes.append(.upsert(Document(
                        id: candidate.id, source: root, title: article.title, lead: article.lead,
                        body: article.body, file: state)))
                }
            }
        }
        // The French analysis, here on the reading thread rather than inside
        // the writer's inserts.
        prepared.analyzed = index.preAnalyze(prepared.changes.compactMap {
            if case .upsert(let document) = $0 { return document }
            return nil
        })
        return prepared
    }

    /// Writes one batch's changes in the writer's transaction.
    private func write(_ changes: [Change], with writer: IndexWriter) throws -> Outcomes {
        try changes.map { change in
            switch change {
            case .upsert(let document): return (document.id, try writer.upsert(document))
            case .touch(let id, let state): try writer.touch(id: id, file: state); return (id, nil)
            }
        }
    }

    /// Counts what committed writes did.
    private func count(_ outcomes: Outcomes, from root: String, into summary: inout IngestSummary) {
        for (id, outcome) in outcomes {
            switch outcome {
            case .added: summary.added += 1
            case .updated: summary.updated += 1
            case .taken(let owner):
                logger.error("\(root)/\(id): the id \(id) already belongs to a document from \(owner), not indexed")
                summary.failed += 1
            case nil: summary.unchanged += 1
            }
        }
    }

    private enum ReadOutcome {
        case success([UInt8], String)
        case skip(String)
        case failure(String)
    }

    private func read(_ candidate: DirectoryWalker.Candidate) -> ReadOutcome {
        let limit = options.maximumFileSize
        if candidate.size > limit {
            return .failure("larger than the \(Self.megabytes(limit)) size limit (\(Self.megabytes(candidate.size))), skipped")
        }
        let bytes: [UInt8]
        switch FileReader.read(candidate.path, limit: limit) {
        case .success(let read): bytes = read
        case .failure(let error): return .failure(error.description)
        }
        if bytes.count > limit {
            return .failure("grew past the \(Self.megabytes(limit)) size limit while read, skipped")
        }
        switch TextDecoder.decode(bytes) {
        case .binary(let reason):
            return .failure("\(reason), not indexed")
        case .text(let text, let warning):
            if text.allSatisfy(\.isWhitespace) { return .skip("empty file, skipped") }
            if let warning { logger.warning("\(candidate.path): \(warning)") }
            return .success(bytes, text)
        }
    }

    /// Removes the documents of `root` whose files were not found.
    private func prune(_ root: String, keeping present: Set<String>) throws -> Int {
        let gone = try index.fileStates(source: root).keys.filter { !present.contains($0) }.sorted()
        var removed = 0
        let batch = max(1, options.batchFiles)
        for chunk in stride(from: 0, to: gone.count, by: batch) {
            let ids = gone[chunk..<min(gone.count, chunk + batch)]
            removed += try index.write { writer in try ids.filter { try writer.remove(id: $0) }.count }
        }
        return removed
    }

    static func megabytes(_ bytes: Int64) -> String {
        if bytes < 1_048_576 { return "\((bytes + 1023) / 1024) KB" }
        let mb = Double(bytes) / 1_048_576
        return mb >= 10 || mb == mb.rounded() ? "\(Int(mb.rounded())) MB" : String(format: "%.1f MB", mb)
    }
}

/// Reports progress at most four times a second.
struct ProgressTracker {
    let filesTotal: Int
    let bytesTotal: Int64
    let start: Date
    let report: ((IngestProgress) -> Void)?
    var filesDone = 0
    var bytesDone: Int64 = 0
    var lastReport = Date.distantPast

    mutating func advance(bytes: Int64) {
        filesDone += 1
        bytesDone += bytes
        guard let report else { return }
        let now = Date()
        if now.timeIntervalSince(lastReport) >= 0.25 || filesDone == filesTotal {
            lastReport = now
            report(IngestProgress(
                filesDone: filesDone, filesTotal: filesTotal, bytesDone: bytesDone,
                bytesTotal: bytesTotal, seconds: now.timeIntervalSince(start)))
        }
    }
}

/// Reads a whole file with POSIX calls, so that every failure has its errno.
enum FileReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func read(_ path: String, limit: Int64) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(description: reason(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(Failure(description: reason(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failure(Failure(description: "not a regular file")) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(min(Int64(info.st_size), limit)) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while Int64(bytes.count) <= limit {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(description: reason(errno)))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return .success(bytes)
    }

    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "vanished before it could be read"
        case EACCES, EPERM: return "unreadable: permission denied"
        default: return "unreadable: \(String(cString: strerror(code)))"
        }
    }
}
