import Foundation
import GRDB

/// The tables of an index file and the marks that say a file is one.
///
/// - `documents`: one row per article, with its text as written and what
///   incremental ingest needs to skip an unchanged file (size, mtime, hash).
/// - `documents_fts`: FTS5 over title, lead and body with the `french`
///   tokenizer, as an external-content table over `documents`: the text is
///   stored once, and snippets read it from there.
/// - `documents_vocab`: FTS5's vocabulary of the index (term → documents), for
///   query planning.
/// - `meta`: key/value facts about the generation (number, build time).
/// - `sources`: the folders ingested into this index, for rebuilds.
/// - `words`: the words of the documents, folded, for typo correction (see ``Lexicon``).
/// - `body_checkpoints`: where each body's indexed words are, for snippets
///   (see ``BodyWords``).
/// The analysis an index is built with.
public enum TextTokenizer: String, Sendable {
    /// Fouille's French analysis (the default, and what the query parser expects).
    case french
    /// SQLite's plain `unicode61` with diacritics removed: the baseline
    /// benchmarks compare against.
    case unicode61 = "unicode61 remove_diacritics 2"
}

enum Schema {
    /// `PRAGMA application_id`: "Foui". A file without it is not ours.
    static let applicationID: Int32 = 0x466F_7569
    /// `PRAGMA user_version`: bumped whenever a change makes older files unreadable.
    static let version = 1

    static func create(_ db: Database, generation: Int, tokenizer: TextTokenizer = .french) throws {
        try db.execute(sql: """
            CREATE TABLE documents(
                rowid INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                source TEXT NOT NULL,
                title TEXT NOT NULL,
                lead TEXT NOT NULL,
                body TEXT NOT NULL,
                size INTEGER NOT NULL,
                mtime REAL NOT NULL,
                hash TEXT NOT NULL,
                ingested_at REAL NOT NULL
            );
            CREATE INDEX documents_by_source ON documents(source);
            CREATE VIRTUAL TABLE documents_fts USING fts5(
                title, lead, body,
                content='documents', content_rowid='rowid',
                tokenize='\(tokenizer.rawValue)'
            );
            CREATE VIRTUAL TABLE documents_vocab USING fts5vocab(documents_fts, 'row');
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE sources(path TEXT PRIMARY KEY, added_at REAL NOT NULL);
            """)
        try Lexicon.create(db)
        try BodyWords.create(db)
        try db.execute(
            sql: "INSERT INTO meta(key, value) VALUES ('generation', ?), ('created_at', ?)",
            arguments: [String(generation), String(Date().timeIntervalSince1970)])
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        try db.execute(sql: "PRAGMA user_version = \(version)")
    }

    /// Throws unless `db` is a Fouille index of this version. Reads only.
    static func check(_ db: Database, path: String) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        guard applicationID == Self.applicationID else { throw IndexError.notAFouilleIndex(path: path) }
        guard version == Self.version else {
            throw IndexError.incompatibleVersion(path: path, found: version, expected: Self.version)
        }
    }
}
