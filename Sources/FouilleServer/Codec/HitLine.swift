import FouilleIndex
import Foundation

/// The protocol's `HIT` line, `HIT<TAB>rank<TAB>score<TAB>id<TAB>title<TAB>snippet`,
/// both ways: the server writes it, clients read it. Matched words in the
/// snippet are marked `[` and `]`.
public struct HitLine: Equatable, Sendable {
    public var rank: Int
    public var score: Double
    public var id: String
    public var title: String
    /// With `[` `]` around each match.
    public var snippet: String

    public static let open = "["
    public static let close = "]"

    public init(rank: Int, score: Double, id: String, title: String, snippet: String) {
        self.rank = rank
        self.score = score
        self.id = id
        self.title = title
        self.snippet = snippet
    }

    public init(_ hit: SearchHit) {
        self.init(
            rank: hit.rank, score: hit.score, id: hit.id, title: hit.title,
            snippet: hit.snippet.rendered(open: Self.open, close: Self.close))
    }

    /// The score as written on the wire: four decimals.
    public var scoreText: String { FixedPoint.text(score, decimals: 4) }

    public var line: String {
        Response.dataLine(["HIT", String(rank), scoreText, id, title, snippet])
    }

    /// Reads a `HIT` line; nil when the line is not one.
    public init?(line: String) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "HIT", let rank = Int(fields[1]), let score = Double(fields[2]) else {
            return nil
        }
        self.init(rank: rank, score: score, id: String(fields[3]), title: String(fields[4]), snippet: String(fields[5]))
    }

    /// The words between the markers, in order.
    public var matches: [String] {
        snippet.components(separatedBy: Self.open).dropFirst().compactMap {
            $0.components(separatedBy: Self.close).first
        }
    }
}
