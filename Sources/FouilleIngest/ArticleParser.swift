import FouilleIndex

/// Reads an article: line 1 the title, line 2 the lead, the rest the body.
///
/// Blank lines before the title are skipped, runs of spaces collapse to one,
/// each line is trimmed, and the body keeps one line per paragraph. The body
/// is cut at the first line that is exactly a ``BoilerplateMarkers`` marker:
/// scraped news pages end with lists of other articles and login prompts
/// that would otherwise make every page match the same words.
public struct ArticleParser: Sendable {
    public var markers: BoilerplateMarkers

    public init(markers: BoilerplateMarkers = .french) {
        self.markers = markers
    }

    public struct Article: Equatable, Sendable {
        public var title: String
        public var lead: String
        public var body: String

        /// Longer titles and leads are not headings but text with no line
        /// breaks (a file of one long line): they are shortened to this many
        /// bytes (at a space, with "…"), and their whole text moves to the
        /// body, so nothing is lost and results stay readable.
        public static let maximumTitleBytes = 1_000
        public static let maximumLeadBytes = 4_000

        mutating func shortenHeadings() {
            var moved: [String] = []
            if title.utf8.count > Self.maximumTitleBytes {
                moved.append(title)
                title = Self.shortened(title, to: 200)
            }
            if lead.utf8.count > Self.maximumLeadBytes {
                moved.append(lead)
                lead = Self.shortened(lead, to: 500)
            }
            if !moved.isEmpty {
                body = (moved + (body.isEmpty ? [] : [body])).joined(separator: "\n")
            }
        }

        static func shortened(_ text: String, to bytes: Int) -> String {
            let end = text.utf8.index(text.utf8.startIndex, offsetBy: bytes)
            let head = text[..<(end.samePosition(in: text) ?? text.index(before: end))]
            let cut = head.lastIndex(of: " ") ?? head.endIndex
            return String(head[..<cut]) + "…"
        }
    }

    public func parse(_ text: String) -> Article {
        var text = text
        return text.withUTF8(parse)
    }

    /// Works on UTF-8 bytes: articles are long and Character-by-Character
    /// string handling would cost more than the French analysis itself.
    func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Article {
        var title: String?
        var lead: String?
        var body: [UInt8] = []
        body.reserveCapacity(bytes.count)
        var line: [UInt8] = []
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            Self.normalise(UnsafeBufferPointer(rebasing: bytes[start..<end]), into: &line)
            start = end + 1
            if title == nil {
                if !line.isEmpty { title = String(decoding: line, as: UTF8.self) }
            } else if lead == nil {
                lead = String(decoding: line, as: UTF8.self)
            } else if !line.isEmpty {
                if line.count <= markers.longestMarker, markers.isMarker(String(decoding: line, as: UTF8.self)) { break }
                if !body.isEmpty { body.append(0x0A) }
                body.append(contentsOf: line)
            }
        }
        var article = Article(title: title ?? "", lead: lead ?? "", body: String(decoding: body, as: UTF8.self))
        article.shortenHeadings()
        return article
    }

    /// One line with its whitespace runs (tabs, no-break and other Unicode
    /// spaces too) made one ASCII space, and trimmed.
    static func normalise<S: StringProtocol>(_ line: S) -> String {
        var line = String(line)
        var normalised: [UInt8] = []
        line.withUTF8 { normalise($0, into: &normalised) }
        return String(decoding: normalised, as: UTF8.self)
    }

    static func normalise(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var pendingSpace = false
        var i = 0
        while i < bytes.count {
            let width = whitespaceWidth(bytes, at: i)
            if width > 0 {
                pendingSpace = !out.isEmpty
                i += width
                continue
            }
            if pendingSpace { out.append(0x20) }
            pendingSpace = false
            out.append(bytes[i])
            i += 1
        }
    }

    /// The length of the whitespace character at `i`, or 0.
    @inline(__always)
    static func whitespaceWidth(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        switch b[i] {
        case 0x20, 0x09, 0x0B, 0x0C, 0x0D: return 1
        case 0xC2 where i + 1 < b.count && (b[i + 1] == 0xA0 || b[i + 1] == 0x85): return 2  // NBSP, NEL
        case 0xE2 where i + 2 < b.count && b[i + 1] == 0x80 && ((0x80...0x8A).contains(b[i + 2]) || b[i + 2] == 0xAF || b[i + 2] == 0xA8 || b[i + 2] == 0xA9):
            return 3  // en/em/thin spaces, narrow NBSP, line and paragraph separators
        case 0xE2 where i + 2 < b.count && b[i + 1] == 0x81 && b[i + 2] == 0x9F: return 3  // medium math space
        case 0xE3 where i + 2 < b.count && b[i + 1] == 0x80 && b[i + 2] == 0x80: return 3  // ideographic space
        default: return 0
        }
    }
}

/// Lines that start a site's boilerplate. Compared after whitespace
/// normalisation, ignoring case and a trailing colon.
public struct BoilerplateMarkers: Sendable, Equatable {
    public private(set) var markers: Set<String>

    /// Lines longer than this (in UTF-8 bytes) cannot be a marker.
    public let longestMarker: Int

    public init<S: Sequence>(_ markers: S) where S.Element == String {
        self.markers = Set(markers.map(Self.key).filter { !$0.isEmpty })
        // Upper case can take more bytes than lower case; a trailing colon too.
        longestMarker = (self.markers.map(\.utf8.count).max() ?? 0) * 2 + 4
        markerLengths = Set(self.markers.map(\.utf8.count))
    }

    /// Byte lengths of the markers: lower case keeps the length of the
    /// letters markers use, and a line may add a colon and a space.
    private let markerLengths: Set<Int>

    /// Reads markers from a file's text: one per line, `#` starts a comment line.
    public init(fileContents: String) {
        self.init(
            fileContents.split(whereSeparator: \.isNewline).map(String.init)
                .filter { !$0.drop(while: \.isWhitespace).hasPrefix("#") })
    }

    public func isMarker(_ line: String) -> Bool {
        let length = line.utf8.count
        guard !markers.isEmpty, length <= longestMarker else { return false }
        // Most short lines are not markers: tell by length before folding case.
        guard markerLengths.contains(length) || markerLengths.contains(length - 1) || markerLengths.contains(length - 2)
        else { return false }
        return markers.contains(Self.key(line))
    }

    static func key(_ line: String) -> String {
        var key = ArticleParser.normalise(line).lowercased()
        while key.hasSuffix(":") || key.hasSuffix(" ") { key.removeLast() }
        return key
    }

    /// None: nothing is cut.
    public static let none = BoilerplateMarkers([String]())

    /// Section headings French news sites put after the article.
    public static let french = BoilerplateMarkers([
        "À regarder", "A regarder", "À voir aussi", "A voir aussi", "Voir aussi",
        "Lire aussi", "À lire aussi", "A lire aussi", "Lire également", "À lire également",
        "Sur le même sujet", "Sur le même thème", "Dans la même rubrique",
        "Articles similaires", "Articles liés", "Les plus lus", "Les articles les plus lus",
        "Nos articles", "Partager", "Partager l'article", "Partager cet article",
        "Partager sur", "Commentaires", "Réagir", "Réagissez", "Ajouter un commentaire",
        "Vos commentaires",
    ])
}
