import FouilleAnalysis
import Foundation

/// The analysis chain alone over a corpus held in memory: how many MB/s of
/// text become terms, without SQLite or the file system.
struct AnalyzerBenchmark {
    let corpus: String
    let rounds: Int

    func run() {
        var texts: [[UInt8]] = []
        let walker = FileManager.default.enumerator(atPath: corpus)
        while let path = walker?.nextObject() as? String {
            if path.hasSuffix(".txt"), let data = FileManager.default.contents(atPath: corpus + "/" + path) {
                texts.append(Array(data))
            }
        }
        let bytes = texts.reduce(0) { $0 + $1.count }
        for round in 1...rounds {
            let analyzer = FrenchAnalyzer()
            var tokens = 0
            let start = Date()
            for text in texts {
                _ = text.withUnsafeBufferPointer { buffer in
                    analyzer.analyze(buffer) { _ in tokens += 1; return true }
                }
            }
            let seconds = Date().timeIntervalSince(start)
            print(String(format: "round %d: %.1f MB in %.3f s: %.1f MB/s, %d tokens (%.0f ns/token)", round,
                         Double(bytes) / 1_048_576, seconds, Double(bytes) / 1_048_576 / seconds, tokens,
                         seconds * 1e9 / Double(max(1, tokens))))
        }
    }
}
