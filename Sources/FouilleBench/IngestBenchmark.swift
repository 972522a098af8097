import FouilleIndex
import FouilleIngest
import Foundation
import Logging

/// Fouille's ingest against the same pipeline writing a plain FTS5 table
/// (`unicode61 remove_diacritics 2`): same walk, reads, decoding, parsing,
/// batching and schema, only the tokenizer differs. That ratio is the price
/// of the French analysis.
struct IngestBenchmark {
    let corpus: String
    let rounds: Int

    struct Run {
        var seconds: Double
        var bytes: Int64
        var documents: Int
        var indexBytes: Int64
    }

    func run() {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fouille-bench-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var french: [Run] = []
        var plain: [Run] = []
        for round in 1...rounds {
            // Alternate which side goes first, so neither always gets a warm cache.
            let order: [TextTokenizer] = round % 2 == 1 ? [.french, .unicode61] : [.unicode61, .french]
            for tokenizer in order {
                let run = ingest(tokenizer, into: scratch.appendingPathComponent("\(tokenizer)-\(round)"))
                if tokenizer == .french { french.append(run) } else { plain.append(run) }
                print(String(
                    format: "round %d %-9@ %6.2f s  %6.2f MB/s  %7.0f docs/s  index %6.1f MB", round,
                    "\(tokenizer)" as NSString, run.seconds, mbps(run), Double(run.documents) / run.seconds,
                    Double(run.indexBytes) / 1_048_576))
            }
        }
        let f = median(french), p = median(plain)
        print("")
        print("corpus: \(corpus): \(f.documents) documents, \(String(format: "%.1f", Double(f.bytes) / 1_048_576)) MB; \(rounds) rounds, medians:")
        print(String(format: "  fouille (French analysis)  %6.2f MB/s  %7.0f docs/s  index %6.1f MB (%.2f× text)",
                     mbps(f), Double(f.documents) / f.seconds, Double(f.indexBytes) / 1_048_576, Double(f.indexBytes) / Double(f.bytes)))
        print(String(format: "  plain FTS5 unicode61       %6.2f MB/s  %7.0f docs/s  index %6.1f MB (%.2f× text)",
                     mbps(p), Double(p.documents) / p.seconds, Double(p.indexBytes) / 1_048_576, Double(p.indexBytes) / Double(p.bytes)))
        print(String(format: "  speed ratio fouille/plain: %.2f (target ≥ 0.70); size ratio: %.2f", mbps(f) / mbps(p),
                     Double(f.indexBytes) / Double(p.indexBytes)))
    }

    private func ingest(_ tokenizer: TextTokenizer, into folder: URL) -> Run {
        do {
            let location = IndexLocation(path: folder.path)
            let index = try SearchIndex.open(location, creating: true, tokenizer: tokenizer)
            let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
            let summary = try Ingester(index: index, logger: logger).run([corpus])
            try index.checkpoint()
            let attributes = try? FileManager.default.attributesOfItem(atPath: index.generation.file.path)
            let bytes = (attributes?[.size] as? NSNumber)?.int64Value
            try index.close()
            try? FileManager.default.removeItem(at: folder)
            return Run(seconds: summary.seconds, bytes: summary.bytes, documents: summary.added, indexBytes: bytes ?? 0)
        } catch {
            FileHandle.standardError.write(Data("fouille-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    private func mbps(_ run: Run) -> Double { Double(run.bytes) / 1_048_576 / run.seconds }

    private func median(_ runs: [Run]) -> Run {
        runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]
    }
}
