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
}
