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
           fouille-bench phases INDEX_DIR QUERIES_TSV

    """
guard arguments.count >= 2, ["ingest", "analyze", "query", "phases", "statements"].contains(arguments.first) else {
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}
if arguments.first == "statements" {
    do {
        try StatementTimer(index: arguments[arguments.startIndex + 1]).run([
            ("SELECT 1 FROM documents_vocab WHERE term = ?", ["fichi"]),
            ("SELECT 1 FROM documents_vocab WHERE term >= ? AND term < ? LIMIT 1", ["fich", "fich\u{10FFFF}"]),
            ("SELECT doc FROM documents_vocab WHERE term = ?", ["zzzz"]),
            ("SELECT rowid, bm25(documents_fts, 10.0, 5.0, 1.0) AS s, match_positions(documents_fts) FROM documents_fts WHERE documents_fts MATCH ? ORDER BY s LIMIT 10", ["(\"copier\" AND \"repertoires\" AND \"fichiers\")"]),
            ("SELECT rowid, bm25(documents_fts, 10.0, 5.0, 1.0) AS s FROM documents_fts WHERE documents_fts MATCH ? ORDER BY s LIMIT 10", ["(\"copier\" AND \"repertoires\" AND \"fichiers\")"]),
            ("SELECT rowid FROM documents_fts WHERE documents_fts MATCH ? LIMIT 10", ["(\"copier\" AND \"repertoires\" AND \"fichiers\")"]),
            ("SELECT rowid, bm25(documents_fts, 10.0, 5.0, 1.0) AS s FROM documents_fts WHERE documents_fts MATCH ? ORDER BY s LIMIT 10", ["\"fichiers\""]),
            ("SELECT rowid, bm25(documents_fts) AS s FROM documents_fts WHERE documents_fts MATCH ? ORDER BY rank LIMIT 10", ["\"fichiers\""]),
            ("SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", ["\"fichiers\""]),
            ("SELECT rowid, match_positions(documents_fts) FROM documents_fts WHERE documents_fts MATCH ? AND rowid IN (100, 200, 300, 400, 500, 600, 700, 800, 900, 1000)", ["(\"copier\" OR \"repertoires\" OR \"fichiers\")"]),
            ("SELECT rowid, tier_rank(documents_fts, '0,1,2', 3, 10.0, 5.0, 1.0) AS r FROM documents_fts WHERE documents_fts MATCH ? ORDER BY r, rowid LIMIT 10", ["(\"copier\" OR \"repertoires\" OR \"fichiers\")"]),
            ("SELECT rowid, tier_rank(documents_fts, '0,1,2', 3, 10.0, 5.0, 1.0) AS r, match_positions(documents_fts) FROM documents_fts WHERE documents_fts MATCH ? ORDER BY r, rowid LIMIT 10", ["(\"copier\" OR \"repertoires\" OR \"fichiers\")"]),
            ("SELECT count(*) FROM documents_vocab", []),
            ("SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", ["\"fichiers\" OR \"copier\" OR \"repertoires\""]),
            ("SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", ["\"fichiers\" AND \"copier\" AND \"repertoires\""]),
            ("SELECT rowid, bm25(documents_fts, 10.0, 5.0, 1.0) AS s FROM documents_fts WHERE documents_fts MATCH ? ORDER BY s LIMIT 10", ["\"fichiers\" OR \"copier\" OR \"repertoires\""]),
            ("SELECT id, title, lead, body FROM documents WHERE rowid = ?", ["100"]),
            ("SELECT match_positions(documents_fts) FROM documents_fts WHERE documents_fts MATCH ? AND rowid = ?", ["\"fichiers\" OR \"copier\" OR \"repertoires\"", "100"]),
        ])
    } catch {
        FileHandle.standardError.write(Data("fouille-bench: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
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
if arguments.first == "query" {
    let rest = Array(arguments.dropFirst(2))
    guard let binary = rest.first else {
        FileHandle.standardError.write(Data(usage.utf8))
        exit(2)
    }
    do {
        try QueryBenchmark(
            corpus: arguments[arguments.startIndex + 1], queriesFile: rest.count > 1 && !rest[1].isEmpty ? rest[1] : nil,
            fouille: binary, seconds: rest.count > 2 ? Double(rest[2]) ?? 5 : 5
        ).run()
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
