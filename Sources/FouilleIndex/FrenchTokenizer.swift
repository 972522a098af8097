import FouilleAnalysis
import GRDB
import GRDBSQLite

/// The FTS5 tokenizer `french`: ``FrenchAnalyzer`` behind SQLite's tokenizer API.
///
/// This is the only type that knows both GRDB's tokenizer protocols and the
/// analyzer. FTS5 creates one instance per table per connection and a
/// connection is used by one thread at a time, so each instance owns its
/// analyzer (and its word cache) without locks.
///
/// Tokens are reported with their original byte offsets, which is what lets
/// `highlight()` and `snippet()` show the text as it was written.
///
/// The words of documents go to ``NewWords`` for the typo-correction
/// vocabulary. Queries take a separate analyzer, so a misspelt query word
/// is never mistaken for a word of the index.
///
/// A query text starting with ``rawTermMarker`` is one term already
/// analysed, passed through as it is: how a correction names the term of
/// the index it found (a stem, which analysing again could change).
final class FrenchTokenizer: FTS5CustomTokenizer {
    static let name = "french"
    /// U+E002, a private-use character (snippets use U+E000 and U+E001): the
    /// query parser removes it from what people type.
    static let rawTermMarker: Unicode.Scalar = "\u{E002}"

    private let analyzer = FrenchAnalyzer()
    private let connection: ObjectIdentifier
    private lazy var documentAnalyzer: FrenchAnalyzer = {
        let analyzer = FrenchAnalyzer()
        let connection = self.connection
        analyzer.onNewWord = { NewWords.shared.add([($0, $1)], connection: connection) }
        return analyzer
    }()

    init(db: Database, arguments: [String]) throws {
        connection = ObjectIdentifier(db)
    }

    func tokenize(
        context: UnsafeMutableRawPointer?, tokenization: FTS5Tokenization,
        pText: UnsafePointer<CChar>?, nText: CInt, tokenCallback: @escaping FTS5TokenCallback
    ) -> CInt {
        guard let pText, nText > 0 else { return SQLITE_OK }
        let mode: AnalysisMode =
            tokenization.contains(.prefix) ? .prefix : tokenization.contains(.query) ? .query : .document
        if mode == .document, tokenization.contains(.document),
            let tokens = pText.withMemoryRebound(to: UInt8.self, capacity: Int(nText), {
                PreAnalysis.shared.take(UnsafeBufferPointer(start: $0, count: Int(nText)))
            })
        {
            NewWords.shared.add(tokens.newWords, connection: connection)
            return replay(tokens, context: context, tokenCallback: tokenCallback)
        }
        return pText.withMemoryRebound(to: UInt8.self, capacity: Int(nText)) { bytes in
            let text = UnsafeBufferPointer(start: bytes, count: Int(nText))
            if mode == .query, let raw = Self.rawTerm(text) {
                return raw.withMemoryRebound(to: CChar.self) {
                    tokenCallback(context, 0, $0.baseAddress, CInt($0.count), CInt(text.count - raw.count), CInt(text.count))
                }
            }
            var status = SQLITE_OK
            // Only inserts and deletes: auxiliary functions re-read stored text too.
            let analyzer = tokenization.contains(.document) ? documentAnalyzer : analyzer
            analyzer.analyze(text, mode: mode) { token in
                var term = token.text
                status = term.withUTF8 { utf8 in
                    utf8.withMemoryRebound(to: CChar.self) {
                        tokenCallback(context, 0, $0.baseAddress, CInt($0.count), CInt(token.start), CInt(token.end))
                    }
                }
                return status == SQLITE_OK
            }
            return status
        }
    }

    /// The term after ``rawTermMarker``, if `text` starts with it.
    private static func rawTerm(_ text: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard text.count > 3, text[0] == 0xEE, text[1] == 0x80, text[2] == 0x82 else { return nil }
        return UnsafeBufferPointer(rebasing: text[3...])
    }

    /// Hands FTS5 tokens analysed ahead of time (see ``PreAnalysis``).
    private func replay(_ tokens: PreAnalysis.Tokens, context: UnsafeMutableRawPointer?, tokenCallback: FTS5TokenCallback) -> CInt {
        tokens.terms.withUnsafeBufferPointer { terms in
            terms.withMemoryRebound(to: CChar.self) { terms in
                var termStart = 0
                for i in 0..<tokens.starts.count {
                    let termEnd = Int(tokens.termEnds[i])
                    let status = tokenCallback(
                        context, 0, terms.baseAddress.map { $0 + termStart }, CInt(termEnd - termStart),
                        CInt(tokens.starts[i]), CInt(tokens.ends[i]))
                    guard status == SQLITE_OK else { return status }
                    termStart = termEnd
                }
                return SQLITE_OK
            }
        }
    }
}
