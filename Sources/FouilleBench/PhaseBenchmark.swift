import FouilleIndex
import Foundation

/// Where a query's time goes, in-process: counting, ranking, snippets, and
/// what ranking in two halves saves.
/// Each phase is the difference between two ways of running the same queries.
struct PhaseBenchmark {
    let index: String
    let queriesFile: String

    func run() throws {
        let searchIndex = try SearchIndex.open(IndexLocation(path: index), readOnly: true)
        let queries = try String(contentsOfFile: queriesFile, encoding: .utf8).split(separator: "\n").compactMap {
            $0.split(separator: "\t", omittingEmptySubsequences: false).dropFirst().first.map(String.init)
        }
        for query in queries { _ = try searchIndex.search(query) }
        // The postings those queries asked for are read on another thread.
        var held = -1
        while searchIndex.heldPostings.phrases != held {
            held = searchIndex.heldPostings.phrases
            usleep(500_000)
        }
        func time(_ label: String, _ body: (String) throws -> Void) rethrows {
            let start = DispatchTime.now()
            for query in queries { try body(query) }
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6 / Double(queries.count)
            print(String(format: "%-40@ %8.3f ms/query", label as NSString, ms))
        }
        for _ in 0..<2 {
            try time("count (plan + total)") { _ = try searchIndex.count($0) }
            try time("search limit=0 (plan, totals, ranking)") { _ = try searchIndex.search($0, limit: 0) }
            try time("search limit=10, no snippets") { _ = try searchIndex.search($0, limit: 10, snippets: false) }
            try time("search limit=10, with a time limit") { _ = try searchIndex.search($0, limit: 10, timeLimit: .seconds(2)) }
            try time("search limit=10 (with snippets)") { _ = try searchIndex.search($0, limit: 10) }
            for from in [SearchIndex.parallelFromCandidates, 200] {
                try time("the same, in halves from \(from) candidates") {
                    _ = try searchIndex.search($0, limit: 10, parallelFrom: from)
                }
            }
        }
    }
}
