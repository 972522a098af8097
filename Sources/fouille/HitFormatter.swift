import FouilleServer
import Foundation

/// Writes search results as text for people, TSV `HIT` lines, or JSON lines.
/// Both search modes go through it, so their output is the same.
struct HitFormatter {
    var format: Search.Format
    var colours: Bool

    /// - Parameter corrected: the protocol's `corrected=` value (`typed:word,…`), if any.
    func render(_ hits: [HitLine], total: Int, query: String, corrected: String? = nil) -> String {
        var out = ""
        for hit in hits {
            switch format {
            case .tsv: out += hit.line + "\n"
            case .json: out += Self.jsonLine(hit) + "\n"
            case .text: out += text(hit)
            }
        }
        if format == .text {
            if let corrected, total > 0 {
                let pairs = corrected.split(separator: ",").map { $0.replacingOccurrences(of: ":", with: " → ") }
                out += "Also matched as typos: \(pairs.joined(separator: ", "))\n"
            }
            if total == 0 {
                out += "No document matches \"\(query)\".\n"
            } else if let first = hits.first, let last = hits.last {
                out += "\(first.rank)–\(last.rank) of \(total) documents\n"
            } else {
                out += "\(total) documents; none at this offset\n"
            }
        }
        return out
    }

    static func jsonLine(_ hit: HitLine) -> String {
        struct Line: Encodable {
            var rank: Int, score: Double, id: String, title: String, snippet: String, matches: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = Line(
            rank: hit.rank, score: Double(hit.scoreText) ?? hit.score, id: hit.id, title: hit.title,
            snippet: hit.snippet, matches: hit.matches)
        return (try? String(decoding: encoder.encode(line), as: UTF8.self)) ?? "{}"
    }

    private func text(_ hit: HitLine) -> String {
        let snippet = colours
            ? hit.snippet.replacingOccurrences(of: HitLine.open, with: "\u{1B}[1m")
                .replacingOccurrences(of: HitLine.close, with: "\u{1B}[0m")
            : hit.snippet
        let title = colours ? "\u{1B}[1m\(hit.title)\u{1B}[0m" : hit.title
        return "\(hit.rank). \(title)\n   \(hit.id)  (score \(hit.scoreText))\n   \(snippet)\n\n"
    }
}
