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
    }

    public func parse(_ text: String) -> Article {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline })
            .lazy.map(Self.normalise).drop(while: \.isEmpty).makeIterator()
        let title = lines.next() ?? ""
        let lead = lines.next() ?? ""
        var body: [String] = []
        while let line = lines.next() {
            if markers.isMarker(line) { break }
            if !line.isEmpty { body.append(line) }
        }
        return Article(title: title, lead: lead, body: body.joined(separator: "\n"))
    }

    /// One line with its whitespace runs (tabs, no-break spaces too) made one
    /// space, and trimmed.
    static func normalise<S: StringProtocol>(_ line: S) -> String {
        var result = ""
        result.reserveCapacity(line.utf8.count)
        var pendingSpace = false
        for c in line {
            if c.isWhitespace {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(c)
            }
        }
        return result
    }
}

/// Lines that start a site's boilerplate. Compared after whitespace
/// normalisation, ignoring case and a trailing colon.
public struct BoilerplateMarkers: Sendable, Equatable {
    public private(set) var markers: Set<String>

    public init<S: Sequence>(_ markers: S) where S.Element == String {
        self.markers = Set(markers.map(Self.key).filter { !$0.isEmpty })
    }

    /// Reads markers from a file's text: one per line, `#` starts a comment line.
    public init(fileContents: String) {
        self.init(
            fileContents.split(whereSeparator: \.isNewline).map(String.init)
                .filter { !$0.drop(while: \.isWhitespace).hasPrefix("#") })
    }

    public func isMarker(_ line: String) -> Bool {
        !markers.isEmpty && line.count < 64 && markers.contains(Self.key(line))
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
