// fouille-bench: measurements behind scripts/bench-*. Not a test: it prints
// numbers. Each comparison runs both sides in this one process, alternately,
// so that a noisy machine slows both alike.
import FouilleIndex
import FouilleIngest
import Foundation
import Logging

let arguments = CommandLine.arguments.dropFirst()
let usage = """
    usage: fouille-bench ingest CORPUS_DIR [ROUNDS]
           fouille-bench analyze CORPUS_DIR [ROUNDS]
           fouille-bench query CORPUS_DIR FOUILLE_BINARY [QUERIES_TSV] [SECONDS]
           fouille-bench rebuild CORPUS_DIR FOUILLE_BINARY [QUERIES_TSV]
           fouille-bench load CORPUS_DIR FOUILLE_BINARY [QUERIES_TSV] [--clients N] [--queries M]
           fouille-bench phases INDEX_DIR QUERIES_TSV
           fouille-bench scale CORPUS_DIR FOUILLE_BINARY QUERIES_TSV ARTICLES WORKDIR

    """
// A daemon that closes a connection must show up as a counted failure, not kill us.
signal(SIGPIPE, SIG_IGN)
guard arguments.count >= 2, ["ingest", "analyze", "query", "rebuild", "phases", "load", "scale"].contains(arguments.first) else {
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}
if arguments.first == "phases", arguments.count >= 3 {
    do {
        try PhaseBenchmark(index: arguments[arguments.startIndex + 1], queriesFile: arguments[arguments.startIndex + 2]).run()
    } catch {
        FileHandle.standardError.write(Data("fouille-bench: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
if arguments.first == "scale" {
    let rest = Array(arguments.dropFirst())
    guard rest.count == 5, let articles = Int(rest[3]), articles > 0 else {
        FileHandle.standardError.write(Data(usage.utf8))
        exit(2)
    }
    do {
        let ok = try ScaleBenchmark(corpus: rest[0], queriesFile: rest[2], fouille: rest[1], articles: articles, workdir: rest[4]).run()
        exit(ok ? 0 : 1)
    } catch {
        FileHandle.standardError.write(Data("fouille-bench: \(error)\n".utf8))
        exit(1)
    }
}
if arguments.first == "load", arguments.count >= 3 {
    var rest = Array(arguments.dropFirst(3))
    var clients = 64, queries = 200
    var queriesFile: String?
    while let word = rest.first {
        rest.removeFirst()
        switch word {
        case "--clients": clients = max(1, Int(rest.first ?? "") ?? clients); rest = Array(rest.dropFirst())
        case "--queries": queries = max(1, Int(rest.first ?? "") ?? queries); rest = Array(rest.dropFirst())
        case "": continue
        default: queriesFile = word
        }
    }
    do {
        let ok = try LoadBenchmark(
            corpus: arguments[arguments.startIndex + 1], queriesFile: queriesFile, fouille: arguments[arguments.startIndex + 2],
            clients: clients, queriesPerClient: queries
        ).run()
        exit(ok ? 0 : 1)
    } catch {
        FileHandle.standardError.write(Data("fouille-bench: \(error)\n".utf8))
        exit(1)
    }
}
if arguments.first == "query" || arguments.first == "rebuild" {
    let rest = Array(arguments.dropFirst(2))
    guard let binary = rest.first else {
        FileHandle.standardError.write(Data(usage.utf8))
        exit(2)
    }
    let corpus = arguments[arguments.startIndex + 1]
    let queriesFile = rest.count > 1 && !rest[1].isEmpty ? rest[1] : nil
    do {
        if arguments.first == "rebuild" {
            try RebuildBenchmark(corpus: corpus, queriesFile: queriesFile, fouille: binary).run()
        } else {
            try QueryBenchmark(
                corpus: corpus, queriesFile: queriesFile, fouille: binary, seconds: rest.count > 2 ? Double(rest[2]) ?? 5 : 5
            ).run()
        }
    } catch {
        FileHandle.standardError.write(Data("fouille-bench: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
let corpus = arguments[arguments.startIndex + 1]
let rounds = arguments.count > 2 ? max(1, Int(arguments[arguments.startIndex + 2]) ?? 3) : 3
if arguments.first == "analyze" {
    AnalyzerBenchmark(corpus: corpus, rounds: rounds).run()
} else {
    IngestBenchmark(corpus: corpus, rounds: rounds).run()
}
