import FouilleIndex
import Foundation

/// Writes search results as text for people, TSV `HIT` lines, or JSON lines.
struct HitFormatter {
    var format: Search.Format
    var colours: Bool

    func render(_ results: SearchResults, query: String) -> String {
        var out = ""
        for hit in results.hits {
            switch format {
            case .tsv: out += Self.tsvLine(hit) + "\n"
            case .json: out += Self.jsonLine(hit) + "\n"
            case .text: out += text(hit)
            }
        }
        if format == .text {
            if results.total == 0 {
                out += "No document matches \"\(query)\".\n"
            } else if let first = results.hits.first, let last = results.hits.last {
                out += "\(first.rank)–\(last.rank) of \(results.total) documents\n"
            } else {
                out += "\(results.total) documents; none at this offset\n"
            }
        }
        return out
    }

    /// The protocol's line: `HIT<TAB>rank<TAB>score<TAB>id<TAB>title<TAB>snippet`.
    static func tsvLine(_ hit: SearchHit) -> String {
        ["HIT", String(hit.rank), score(hit.score), hit.id, hit.title, hit.snippet.rendered()]
            .map { $0.replacingOccurrences(of: "\t", with: " ") }
            .joined(separator: "\t")
    }

    static func score(_ value: Double) -> String { String(format: "%.4f", value) }

    static func jsonLine(_ hit: SearchHit) -> String {
        struct Line: Encodable {
            var rank: Int, score: Double, id: String, title: String, snippet: String, matches: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = Line(
            rank: hit.rank, score: (hit.score * 10_000).rounded() / 10_000, id: hit.id, title: hit.title,
            snippet: hit.snippet.rendered(), matches: hit.snippet.matches)
        return (try? String(decoding: encoder.encode(line), as: UTF8.self)) ?? "{}"
    }

    private func text(_ hit: SearchHit) -> String {
        let snippet = colours
            ? hit.snippet.rendered(open: "\u{1B}[1m", close: "\u{1B}[0m")
            : hit.snippet.rendered()
        let title = colours ? "\u{1B}[1m\(hit.title)\u{1B}[0m" : hit.title
        return "\(hit.rank). \(title)\n   \(hit.id)  (score \(Self.score(hit.score)))\n   \(snippet)\n\n"
    }
}
