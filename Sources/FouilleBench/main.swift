// fouille-bench: measurements behind scripts/bench-*. Not a test: it prints
// numbers. Each comparison runs both sides in this one process, alternately,
// so that a noisy machine slows both alike.
import FouilleIndex
import FouilleIngest
import Foundation
import Logging

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count >= 2, ["ingest", "analyze"].contains(arguments.first) else {
    FileHandle.standardError.write(Data("usage: fouille-bench ingest|analyze CORPUS_DIR [ROUNDS]\n".utf8))
    exit(2)
}
let corpus = arguments[arguments.startIndex + 1]
let rounds = arguments.count > 2 ? max(1, Int(arguments[arguments.startIndex + 2]) ?? 3) : 3
if arguments.first == "analyze" {
    AnalyzerBenchmark(corpus: corpus, rounds: rounds).run()
} else {
    IngestBenchmark(corpus: corpus, rounds: rounds).run()
}
