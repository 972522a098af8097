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
final class FrenchTokenizer: FTS5CustomTokenizer {
    static let name = "french"

    private let analyzer = FrenchAnalyzer()

    init(db: Database, arguments: [String]) throws {}

    func tokenize(
        context: UnsafeMutableRawPointer?, tokenization: FTS5Tokenization,
        pText: UnsafePointer<CChar>?, nText: CInt, tokenCallback: @escaping FTS5TokenCallback
    ) -> CInt {
        guard let pText, nText > 0 else { return SQLITE_OK }
        let mode: AnalysisMode =
            tokenization.contains(.prefix) ? .prefix : tokenization.contains(.query) ? .query : .document
        var status = SQLITE_OK
        if mode == .document, tokenization.contains(.document),
            let tokens = pText.withMemoryRebound(to: UInt8.self, capacity: Int(nText), {
                PreAnalysis.shared.take(UnsafeBufferPointer(start: $0, count: Int(nText)))
            })
        {
            return replay(tokens, context: context, tokenCallback: tokenCallback)
        }
        _ = pText.withMemoryRebound(to: UInt8.self, capacity: Int(nText)) { bytes in
            analyzer.analyze(UnsafeBufferPointer(start: bytes, count: Int(nText)), mode: mode) { token in
                var term = token.text
                status = term.withUTF8 { utf8 in
                    utf8.withMemoryRebound(to: CChar.self) {
                        tokenCallback(context, 0, $0.baseAddress, CInt($0.count), CInt(token.start), CInt(token.end))
                    }
                }
                return status == SQLITE_OK
            }
        }
        return status
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
