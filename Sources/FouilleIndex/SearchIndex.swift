import CFTS5Match
import FouilleAnalysis
import Foundation
import GRDB
import GRDBSQLite

/// An open index: the generation in service, behind a WAL `DatabasePool`
/// (one writer, concurrent readers).
///
/// ```swift
/// let index = try SearchIndex.open(IndexLocation(path: "news-index"), creating: true)
/// try index.write { try $0.upsert(document) }
/// let results = try index.search("corée du nord", limit: 10)
/// ```
public final class SearchIndex: Sendable {
    public let location: IndexLocation
    public let generation: Generation
    let pool: DatabasePool
    let queryParsers: QueryParserPool
    /// Documents per clause, remembered for planning.
    let clauseCounts = ClauseCounts()
    /// The words of the documents, for typo correction.
    let lexicon = Lexicon()
    /// The postings of the phrases queries use, held in memory for ranking.
    let postings: PostingsCache
    /// Analyzers with a large word cache, for ingest's reading thread.
    let ingestAnalyzers = QueryParserPool(cacheCapacity: 100_000)

    /// The index analyses French (not a plain baseline table of a benchmark).
    let analysesFrench: Bool
    /// The file has `body_checkpoints` (files from before it have not, when opened read-only).
    let hasBodyWords: Bool
    /// Holds the first commit until a whole-file check has passed.
    let commitGate = CommitGate()

    private init(location: IndexLocation, generation: Generation, pool: DatabasePool) throws {
        self.location = location
        self.generation = generation
        self.pool = pool
        self.postings = PostingsCache(pool: pool)
        self.queryParsers = QueryParserPool()
        (analysesFrench, hasBodyWords) = try pool.read { db in
            (try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'documents_fts'")?
                .contains("tokenize='french'") ?? false,
             try db.tableExists("body_checkpoints"))
        }
    }

    /// Opens the generation `CURRENT` names.
    /// - Parameters:
    ///   - creating: when there is no index yet, create the folder and a first
    ///     generation (ingest does; search does not).
    ///   - readOnly: open without write access (searching).
    ///   - tokenizer: the analysis of a newly created index.
    public static func open(
        _ location: IndexLocation, creating: Bool = false, readOnly: Bool = false, tokenizer: TextTokenizer = .french
    ) throws -> SearchIndex {
        // A rebuild may publish and delete the generation just read from
        // CURRENT before it is opened: read CURRENT again, as long as it
        // has moved on (a nightly rebuild costs one retry; one publishing
        // every 20 ms, on a loaded machine where an open takes longer than
        // that, can cost several in a row).
        for attempt in 1... {
            let generation: Generation
            do {
                generation = try location.currentGeneration()
            } catch IndexError.missing where creating {
                let first = try createGeneration(location, number: location.nextGenerationNumber(), tokenizer: tokenizer)
                try first.close()
                try location.publish(first.generation)
                continue
            }
            do {
                return try open(location, generation: generation, readOnly: readOnly)
            } catch where attempt < 50 && (try? location.currentGeneration()) != generation {
                // Deleted under us ("unable to open database file", or an I/O
                // error mid-open): CURRENT has moved on, so open what it names now.
                continue
            }
        }
        fatalError("unreachable")
    }

    /// Opens one generation, published or not.
    public static func open(_ location: IndexLocation, generation: Generation, readOnly: Bool) throws -> SearchIndex {
        try check(generation.file.path)
        let pool = try mapErrors(path: generation.file.path) {
            try DatabasePool(path: generation.file.path, configuration: configuration(readOnly: readOnly))
        }
        return try mapErrors(path: generation.file.path) {
            // Files from before the vocabulary table get it (empty until ingest
            // or a rebuild fills it), and the body checkpoints table (documents
            // ingested before have none: their snippets analyse from the start).
            if !readOnly {
                let (words, checkpoints) = try pool.read {
                    (try $0.tableExists("words"), try $0.tableExists("body_checkpoints"))
                }
                if !words || !checkpoints {
                    try pool.write { db in
                        if !words { try Lexicon.create(db) }
                        try BodyWords.create(db)
                    }
                }
            }
            return try SearchIndex(location: location, generation: generation, pool: pool)
        }
    }

    /// Reader connections a pool opens for queries at most; the pool has one
    /// more, for reading postings on another thread (``PostingsCache``).
    public static let maximumReaders = 8

    /// Every connection gets the `french` tokenizer; writers wait for a busy
    /// lock rather than fail (a search and an ingest share the file).
    static func configuration(readOnly: Bool) -> Configuration {
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(30)
        config.maximumReaderCount = maximumReaders + 1
        config.prepareDatabase { db in
            db.add(tokenizer: FrenchTokenizer.self)
            let code = fouille_register_functions(UnsafeMutableRawPointer(db.sqliteConnection))
            guard code == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot register Fouille's FTS5 functions")
            }
        }
        return config
    }

    /// Reads the file's marks without changing it: a foreign SQLite file must
    /// not be switched to WAL or given our tables.
    static func check(_ path: String) throws {
        // SQLite takes an empty file for an empty database: it would be
        // reported as another program's.
        if let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, size == 0 {
            throw IndexError.corrupt(path: path, reason: "the file is empty")
        }
        var config = Configuration()
        config.readonly = true
        try mapErrors(path: path) {
            let queue = try DatabaseQueue(path: path, configuration: config)
            try queue.read { try Schema.check($0, path: path) }
            try queue.close()
        }
    }

    /// Creates an empty generation file, not published: the first one of a
    /// new index, or the one a rebuild fills before publishing it.
    public static func createGeneration(_ location: IndexLocation, number: Int, tokenizer: TextTokenizer) throws -> SearchIndex {
        do {
            try FileManager.default.createDirectory(at: location.folder, withIntermediateDirectories: true)
        } catch {
            throw IndexError.database("cannot create the index folder \(location.path): \(error.localizedDescription)")
        }
        let generation = Generation(
            number: number, file: location.folder.appendingPathComponent(IndexLocation.generationFileName(number)))
        // A file left by a run killed before publishing holds nothing published.
        SQLiteFileUse.remove(generation.file.path)
        try mapErrors(path: generation.file.path) {
            let queue = try DatabaseQueue(path: generation.file.path, configuration: configuration(readOnly: false))
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.inTransaction {
                    try Schema.create(db, generation: generation.number, tokenizer: tokenizer)
                    return .commit
                }
            }
            try queue.close()
        }
        return try open(location, generation: generation, readOnly: false)
    }

    /// The analysis this generation was created with.
    public var tokenizer: TextTokenizer { analysesFrench ? .french : .unicode61 }

    /// Turns SQLite's codes into messages that say which file and what to do.
    @discardableResult
    static func mapErrors<T>(path: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                throw IndexError.corrupt(path: path(), reason: error.message ?? "\(error.resultCode)")
            case .SQLITE_INTERRUPT:
                throw IndexError.timeout
            case .SQLITE_ERROR where (error.message ?? "").contains("fts5"):
                // The parser quotes everything, so this would be a bug of ours;
                // still, the client hears about its query, not about SQLite.
                throw IndexError.badQuery(error.message ?? "")
            case .SQLITE_CANTOPEN:
                throw IndexError.database("cannot open \(path()): \(error.message ?? "permission denied or missing")")
            case .SQLITE_READONLY:
                // WAL mode keeps -wal and -shm files beside the database, and
                // even a reader must be able to create them.
                throw IndexError.database(
                    "\(path()): \(error.message ?? "read-only") (this user may not write the index folder, which SQLite needs even to read it: query through the daemon, or run as the index's owner)")
            default:
                throw IndexError.database("\(path()): \(error.message ?? "\(error.resultCode)")")
            }
        }
    }

    // MARK: - Reading

    /// The phrases whose postings are held in memory for ranking, and their bytes.
    public var heldPostings: (phrases: Int, bytes: Int) { (postings.heldPhrases, postings.bytes) }

    /// Holds the postings of the phrases queries use in memory, up to about
    /// `bytes` (0: none, every query ranked by FTS5), reading them only once
    /// the index has stayed unchanged for `settling` after a change. Set
    /// before the first query.
    public func holdPostings(upTo bytes: Int, settling: Duration = .zero) {
        postings.budget = max(0, bytes)
        postings.isEnabled = bytes > 0
        postings.settling = settling
    }

    /// The number of documents in this generation.
    public func documentCount() throws -> Int {
        try read { try Int.fetchOne($0, sql: "SELECT count(*) FROM documents") ?? 0 }
    }

    /// What the index remembers of each file ingested from `source`, by id.
    public func fileStates(source: String) throws -> [String: FileState] {
        try read { db in
            var states: [String: FileState] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT id, size, mtime, hash FROM documents WHERE source = ?", arguments: [source])
            while let row = try rows.next() {
                states[row[0]] = FileState(size: row[1], mtime: row[2], hash: row[3])
            }
            return states
        }
    }

    /// When this generation was created.
    public func builtAt() throws -> Date? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'created_at'")
                .flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// The folders ingested into this index, oldest first.
    public func sources() throws -> [String] {
        try read { try String.fetchAll($0, sql: "SELECT path FROM sources ORDER BY added_at, path") }
    }

    /// One stored document, by id.
    public func document(id: String) throws -> Document? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT id, source, title, lead, body, size, mtime, hash FROM documents WHERE id = ?",
                arguments: [id]
            ).map {
                Document(
                    id: $0[0], source: $0[1], title: $0[2], lead: $0[3], body: $0[4],
                    file: FileState(size: $0[5], mtime: $0[6], hash: $0[7]))
            }
        }
    }

    /// Runs `body` on one read snapshot. With a time limit, SQLite itself
    /// interrupts the work once the deadline passes (see ``QueryDeadline``),
    /// and the read throws ``IndexError/timeout``: a slow query costs its
    /// own time, nobody else's.
    func read<T>(timeLimit: Duration? = nil, _ body: (Database) throws -> T) throws -> T {
        try Self.mapErrors(path: generation.file.path) {
            try pool.read { db in
                try clauseCounts.begin(db)
                guard let timeLimit else { return try body(db) }
                let deadline = QueryDeadline(connection: db.sqliteConnection!, timeLimit: timeLimit)
                defer { deadline.finish() }
                do {
                    return try body(db)
                } catch let error as DatabaseError where error.resultCode != .SQLITE_INTERRUPT && deadline.hasPassed {
                    // An interrupt can come back as another error: FTS5
                    // interrupted while it opens its table on a connection
                    // reports "vtable constructor failed".
                    throw DatabaseError(resultCode: .SQLITE_INTERRUPT, message: error.message)
                }
            }
        }
    }

    /// Opens `count` reader connections for queries now (at most
    /// ``maximumReaders``) and the one postings are read on, so that a
    /// process that reads for long (the daemon) holds the same descriptors
    /// from start to end.
    ///
    /// A pool opens a reader whenever every open one is busy, and keeps it.
    /// Closing idle readers later does not give the descriptors back: SQLite
    /// keeps a closed connection's file open while the process's other
    /// connections hold their locks on it (to reuse it), and in WAL mode an
    /// open connection always holds one. So a daemon opens, up front, one
    /// reader per query thread, and one for reading postings: the most that
    /// can read at once.
    public func openReaders(_ count: Int) throws {
        let count = min(count, Self.maximumReaders) + 1
        guard count > 1 else { return try read { _ in } }
        // Each reader is held until all are open, else the pool would hand
        // the same one out again.
        let opened = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), finished = DispatchGroup()
        for _ in 0..<count {
            finished.enter()
            Thread {
                defer { finished.leave() }
                var held = false
                try? self.read { _ in
                    held = true
                    opened.signal()
                    release.wait()
                }
                if !held { opened.signal() }
            }.start()
        }
        for _ in 0..<count { opened.wait() }
        for _ in 0..<count { release.signal() }
        finished.wait()
        // A reader that could not open says why here.
        try read { _ in }
    }

    // MARK: - Writing

    /// Runs `body` in one transaction: all its changes land, or none do.
    /// The words it indexes join the typo-correction vocabulary in the same
    /// transaction (see ``Lexicon``).
    public func write<T>(_ body: (IndexWriter) throws -> T) throws -> T {
        try Self.mapErrors(path: generation.file.path) {
            try pool.write { db in
                let connection = ObjectIdentifier(db)
                _ = NewWords.shared.take(connection)
                let result = try body(IndexWriter(db: db, analyzers: analysesFrench ? ingestAnalyzers : nil))
                try Lexicon.record(NewWords.shared.take(connection), db)
                try commitGate.pass()
                return result
            }
        }
    }

    /// SQLite's `quick_check` and FTS5's `integrity-check`: throws
    /// ``IndexError/corrupt(path:reason:)`` naming what is wrong.
    public func integrityCheck() throws {
        try Self.mapErrors(path: generation.file.path) {
            try pool.writeWithoutTransaction { db in
                try quickCheck(db, mapped: true)
                try db.execute(sql: "INSERT INTO documents_fts(documents_fts) VALUES ('integrity-check')")
            }
        }
    }

    /// SQLite's `quick_check` alone, within `timeLimit`: every page of the
    /// file read once and its b-tree structure checked, the damage the
    /// header does not show (bytes overwritten in the middle of the file).
    /// Measured at 0.3 s for a 197 MB generation in the system's cache,
    /// cheap enough before serving or writing it (not before each search).
    /// Throws ``IndexError/corrupt(path:reason:)``; returns false when the
    /// limit cut the check short, the file partly unchecked. `mapped`: see
    /// ``quickCheck(_:mapped:)``.
    public func quickCheck(timeLimit: Duration = .seconds(30), mapped: Bool = false) throws -> Bool {
        do {
            try read(timeLimit: timeLimit) { try quickCheck($0, mapped: mapped) }
            return true
        } catch IndexError.timeout {
            return false
        }
    }

    /// The most of the file a check maps; SQLite caps it at 2 GB by default,
    /// and reads any further pages as usual.
    static let checkMapBytes: Int64 = 1 << 40

    /// Starts ``quickCheck(timeLimit:)`` on another thread; the next
    /// ``write(_:)`` to commit waits for it, and rolls back if the file is
    /// damaged (throwing, as ``quickCheck(timeLimit:)`` would). A writer
    /// gets its first batch ready meanwhile instead of waiting. `cutShort`
    /// runs when the time limit left part of the file unchecked. Call
    /// ``passCheck()`` at the end, for a run that committed nothing.
    public func checkBeforeFirstCommit(timeLimit: Duration = .seconds(30), cutShort: @escaping @Sendable () -> Void) {
        commitGate.start { [self] in
            if try !quickCheck(timeLimit: timeLimit, mapped: true) { cutShort() }
        }
    }

    /// Whether the check started by ``checkBeforeFirstCommit(timeLimit:cutShort:)``
    /// is still reading the file. A writer with more to write may as well do
    /// it in the transaction that waits for the verdict: it commits (or rolls
    /// back) all of it together.
    public var isCheckRunning: Bool { commitGate.isRunning }

    /// The verdict of a check started by ``checkBeforeFirstCommit(timeLimit:cutShort:)``
    /// that no commit has asked for yet.
    public func passCheck() throws {
        try commitGate.pass()
    }

    /// `mapped`: read the file through a memory map while checking it.
    /// SQLite then reads pages in place rather than copying each in with its
    /// own `pread`, which was 1.1 s of the 1.6 s a 1.3 GB file took (0.7 s
    /// mapped). The map is dropped afterwards, but the process's peak
    /// resident size has counted the whole file: fine for a writer, not for
    /// the daemon, whose memory is watched.
    func quickCheck(_ db: Database, mapped: Bool) throws {
        if mapped { try db.execute(sql: "PRAGMA mmap_size = \(Self.checkMapBytes)") }
        defer { if mapped { try? db.execute(sql: "PRAGMA mmap_size = 0") } }
        let problems = try String.fetchAll(db, sql: "PRAGMA quick_check")
        guard problems == ["ok"] else {
            throw IndexError.corrupt(path: generation.file.path, reason: problems.prefix(3).joined(separator: "; "))
        }
    }

    /// Merges FTS5's segments into one b-tree (queries read one segment per
    /// term), then rewrites the file without the pages the merge freed: the
    /// compact form a rebuilt generation is published in.
    public func optimize() throws {
        try mergeSegments()
        try Self.mapErrors(path: generation.file.path) {
            try pool.writeWithoutTransaction { try $0.execute(sql: "VACUUM") }
        }
    }

    /// Merges FTS5's segments into one, in one transaction. Each committed
    /// batch adds a segment, and FTS5 merges them only by fours: a query
    /// seeks every word of it in every segment, and on a freshly ingested
    /// index of seven segments queries took a fifth longer than on one.
    /// The pages the merge frees stay in the file for later writes.
    public func mergeSegments() throws {
        try Self.mapErrors(path: generation.file.path) {
            try pool.write { try $0.execute(sql: "INSERT INTO documents_fts(documents_fts) VALUES ('optimize')") }
        }
    }

    /// The FTS5 segments the full-text index is made of.
    public func segmentCount() throws -> Int {
        try read { try Int.fetchOne($0, sql: "SELECT count(DISTINCT segid) FROM documents_fts_idx") ?? 0 }
    }

    /// Deletes one document row behind FTS5's back: the damage a rebuild's
    /// checks must catch (`FOUILLE_REBUILD_FAULT=damage`, crash tests only).
    public func damageForTests() throws {
        try Self.mapErrors(path: generation.file.path) {
            try pool.write { try $0.execute(sql: "DELETE FROM documents WHERE rowid = (SELECT min(rowid) FROM documents)") }
        }
    }

    /// Writes the WAL back into the database file (a clean point for backups).
    public func checkpoint() throws {
        try Self.mapErrors(path: generation.file.path) {
            try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        }
    }

    /// Closes every connection. A writable index is also checkpointed, and
    /// its `-wal` and `-shm` files removed when no other process has it open:
    /// the file left behind is complete by itself.
    public func close() throws {
        postings.stop()
        try pool.close()
        guard !pool.configuration.readonly else { return }
        // GRDB closes the writer before the readers, and a read-only
        // connection closing last cannot write the WAL back: one more
        // read-write connection, alone, does it as it closes.
        try Self.mapErrors(path: generation.file.path) {
            try DatabaseQueue(path: generation.file.path).close()
        }
    }
}

/// Changes to an index inside one transaction (see ``SearchIndex/write(_:)``).
public struct IndexWriter {
    let db: Database
    /// For the maps of body words (``BodyWords``) of documents ingest did not analyse ahead; nil: none are written.
    let analyzers: QueryParserPool?

    public enum Outcome: Sendable, Equatable {
        case added, updated
        /// Another folder's document has this id; nothing was changed.
        case taken(by: String)
    }

    /// Adds `document`, or replaces the one with its id from the same folder.
    /// Ids are what clients see, so two folders holding the same relative
    /// path cannot both be indexed: the first one keeps it.
    @discardableResult
    public func upsert(_ document: Document) throws -> Outcome {
        if let owner = try String.fetchOne(db, sql: "SELECT source FROM documents WHERE id = ?", arguments: [document.id]),
            owner != document.source
        {
            return .taken(by: owner)
        }
        let now = Date().timeIntervalSince1970
        let arguments: StatementArguments = [
            document.id, document.source, document.title, document.lead, document.body,
            document.file.size, document.file.mtime, document.file.hash, now,
        ]
        if let rowid = try removeFromFullText(id: document.id) {
            try db.execute(
                sql: """
                    UPDATE documents SET id = ?, source = ?, title = ?, lead = ?, body = ?,
                        size = ?, mtime = ?, hash = ?, ingested_at = ? WHERE rowid = ?
                    """,
                arguments: arguments + [rowid])
            try addToFullText(rowid: rowid, document)
            try storeBodyWords(rowid: rowid, document)
            return .updated
        }
        try db.execute(
            sql: """
                INSERT INTO documents(id, source, title, lead, body, size, mtime, hash, ingested_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: arguments)
        let rowid = db.lastInsertedRowID
        try addToFullText(rowid: rowid, document)
        try storeBodyWords(rowid: rowid, document)
        return .added
    }

    /// The map of the body's words (see ``BodyWords``): from ingest's
    /// analysis ahead when it kept them, else found now.
    private func storeBodyWords(rowid: Int64, _ document: Document) throws {
        guard let analyzers else { return }
        var body = document.body
        let words = body.withUTF8 { bytes in
            PreAnalysis.shared.takeBodyWords(bytes)
                ?? analyzers.withParser { BodyWords.encode(body: bytes, analyzer: $0.analyzer) }
        }
        if let words {
            try db.execute(
                sql: "INSERT OR REPLACE INTO body_checkpoints(rowid, offsets) VALUES (?, ?)", arguments: [rowid, words])
        } else {
            try db.execute(sql: "DELETE FROM body_checkpoints WHERE rowid = ?", arguments: [rowid])
        }
    }

    /// Records a new modification time for a file whose bytes did not change.
    public func touch(id: String, file: FileState) throws {
        try db.execute(
            sql: "UPDATE documents SET size = ?, mtime = ?, hash = ? WHERE id = ?",
            arguments: [file.size, file.mtime, file.hash, id])
    }

    /// Removes a document; returns false when there was none with that id.
    @discardableResult
    public func remove(id: String) throws -> Bool {
        guard let rowid = try removeFromFullText(id: id) else { return false }
        try db.execute(sql: "DELETE FROM documents WHERE rowid = ?", arguments: [rowid])
        try db.execute(sql: "DELETE FROM body_checkpoints WHERE rowid = ?", arguments: [rowid])
        return true
    }

    /// Remembers that `path` was ingested into this index.
    public func addSource(_ path: String) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO sources(path, added_at) VALUES (?, ?)",
            arguments: [path, Date().timeIntervalSince1970])
    }

    /// An external-content FTS5 table forgets a row only when told the exact
    /// text it indexed, so the old text is read back from `documents` first.
    private func removeFromFullText(id: String) throws -> Int64? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT rowid, title, lead, body FROM documents WHERE id = ?", arguments: [id])
        else { return nil }
        let rowid: Int64 = row[0]
        try db.execute(
            sql: "INSERT INTO documents_fts(documents_fts, rowid, title, lead, body) VALUES ('delete', ?, ?, ?, ?)",
            arguments: [rowid, row[1], row[2], row[3]])
        return rowid
    }

    private func addToFullText(rowid: Int64, _ document: Document) throws {
        try db.execute(
            sql: "INSERT INTO documents_fts(rowid, title, lead, body) VALUES (?, ?, ?, ?)",
            arguments: [rowid, document.title, document.lead, document.body])
    }
}
