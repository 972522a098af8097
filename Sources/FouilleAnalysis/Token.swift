/// One term of analysed text, with the place it came from.
///
/// `start` and `end` are byte offsets into the original UTF-8 text, so that
/// SQLite's `highlight()` and `snippet()` can cut the text as it was written.
/// A stage may narrow a token to part of its range (dropping an elided
/// article, splitting a compound) but never points it outside the original word.
public struct Token: Equatable, Sendable, CustomStringConvertible {
    /// The term as stored in the index: folded and stemmed, or folded only for prefixes.
    public var text: String
    /// Byte offset of the first byte of the original spelling.
    public var start: Int
    /// Byte offset just past the original spelling.
    public var end: Int

    public init(_ text: String, start: Int, end: Int) {
        self.text = text
        self.start = start
        self.end = end
    }

    public var description: String { "\(text)@\(start)..<\(end)" }
}

/// What a piece of text is analysed for: FTS5 tokenizes documents and queries
/// the same way, except that a prefix (`coop*`) must not be stemmed or dropped.
public enum AnalysisMode: Sendable {
    /// Text being indexed.
    case document
    /// A word or phrase of a query: same chain as documents.
    case query
    /// The stem of a prefix query (`coop*`): folded, never stemmed or stopped.
    case prefix
}
