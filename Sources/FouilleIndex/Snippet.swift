import Foundation
import GRDB

/// An excerpt of a document's original text with the matched words marked.
///
/// Held with private-use markers (U+E000, U+E001) that no text contains, and
/// rendered for each output: `[` `]` on the wire, bold on a terminal.
public struct Snippet: Sendable, Equatable, CustomStringConvertible {
    static let open = "\u{E000}"
    static let close = "\u{E001}"
    /// Words of context FTS5 keeps around the matches.
    static let tokens = 20

    /// The excerpt with private markers around matches.
    public var marked: String

    /// The excerpt with `open` and `close` around each match, on one line.
    public func rendered(open: String = "[", close: String = "]") -> String {
        marked.replacingOccurrences(of: Self.open, with: open)
            .replacingOccurrences(of: Self.close, with: close)
    }

    /// The matched words, in order.
    public var matches: [String] {
        marked.components(separatedBy: Self.open).dropFirst().compactMap {
            $0.components(separatedBy: Self.close).first
        }
    }

    public var description: String { rendered() }

    /// The id, title and snippet of one document. The body is preferred, then
    /// the lead, then the title: a snippet that repeats the title says little.
    static func hit(_ db: Database, rowid: Int64, highlighting expression: String) throws -> SearchHit {
        let row = try Row.fetchOne(
            db, sql: "SELECT id, title FROM documents WHERE rowid = ?", arguments: [rowid])
        var snippet = ""
        for column in [2, 1, 0] {
            snippet = try String.fetchOne(
                db,
                sql: """
                    SELECT snippet(documents_fts, \(column), ?, ?, '…', \(tokens))
                    FROM documents_fts WHERE documents_fts MATCH ? AND rowid = ?
                    """,
                arguments: [open, close, expression, rowid]) ?? ""
            if snippet.contains(open) { break }
        }
        return SearchHit(
            rank: 0, score: 0, id: row?[0] ?? "", title: oneLine(row?[1] ?? ""),
            snippet: Snippet(marked: oneLine(snippet)))
    }

    /// Tabs, carriage returns and line feeds become spaces: fields are one line.
    static func oneLine(_ text: String) -> String {
        guard text.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return String(text.map { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
    }
}
