import FouilleAnalysis
import XCTest

extension SpanStage {
    /// Runs the stage on `word` placed between `before` and `after`, and
    /// returns each emitted range with the text it covers.
    func parts(
        _ word: String, before: String = "", after: String = "", file: StaticString = #filePath, line: UInt = #line
    ) -> [(surface: String, range: Range<Int>)] {
        var text = before + word + after
        let start = before.utf8.count
        var found: [(String, Range<Int>)] = []
        let finished = text.withUTF8 { bytes in
            apply(bytes, start..<start + word.utf8.count) { range in
                found.append((String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self), range))
                return true
            }
        }
        XCTAssertTrue(finished, "apply must return true when emit always does", file: file, line: line)
        return found
    }
}
