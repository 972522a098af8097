import Foundation

/// Why an index could not be opened or used, in words an operator can act on.
public enum IndexError: Error, CustomStringConvertible, Equatable {
    /// No index has been built at this path yet.
    case missing(path: String)
    /// The path exists but is not a Fouille index folder (a plain file, say).
    case notAnIndexFolder(path: String)
    /// The file is not an SQLite database, or is damaged.
    case corrupt(path: String, reason: String)
    /// The file is an SQLite database, but not one Fouille wrote.
    case notAFouilleIndex(path: String)
    /// The index was written by an incompatible version of Fouille.
    case incompatibleVersion(path: String, found: Int, expected: Int)
    /// The query could not be run (it never comes from user syntax: see ``QueryParser``).
    case badQuery(String)
    /// A query ran past its time limit and was interrupted.
    case timeout
    /// Anything else SQLite reported.
    case database(String)

    public var description: String {
        switch self {
        case .missing(let path):
            return "no index at \(path): build one with 'fouille ingest --index \(path) DIR'"
        case .notAnIndexFolder(let path):
            return "\(path) is not a Fouille index folder (an index is a folder holding CURRENT and generation files)"
        case .corrupt(let path, let reason):
            return "\(path) is damaged or not a database (\(reason)): \(Self.repair(path))"
        case .notAFouilleIndex(let path):
            return "\(path) is an SQLite database but not a Fouille index; nothing was changed. If it took the place of the index's file, \(Self.repair(path))"
        case .incompatibleVersion(let path, let found, let expected):
            return "\(path) has index format \(found), this fouille reads format \(expected): \(Self.repair(path))"
        case .badQuery(let message):
            return "bad query: \(message)"
        case .timeout:
            return "the query ran past its time limit"
        case .database(let message):
            return message
        }
    }

    /// What brings back an index whose generation file (or `CURRENT`) at
    /// `path` is unusable. The folders must be named: a damaged file may not
    /// say which ones it was built from.
    static func repair(_ path: String) -> String {
        let index = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return "rebuild the index with 'fouille rebuild --index \(index) DIR…' (DIR: the folders of articles) or restore a backup"
    }
}
