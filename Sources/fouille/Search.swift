import ArgumentParser
import FouilleIndex
import Foundation

/// `fouille search`: ranked results for a query.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search the index.",
        discussion: """
            The query is what a person types: words in any case, with or without \
            accents. Also: "exact phrase", -excluded, prefix*, a OR b, and title:, \
            lead:, body: before a word. Nothing is a syntax error. Documents with \
            all the words come first, then documents with most of them.

            Formats: text (for people; matches in bold on a terminal), tsv (the \
            protocol's HIT lines: HIT, rank, score, id, title, snippet; matches \
            in [brackets]), json (one object per line).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, tsv, json
    }

    @OptionGroup var indexOption: IndexOption

    @Option(name: .shortAndLong, help: "Results to show.")
    var limit = 10

    @Option(help: "Results to skip first (for paging).")
    var offset = 0

    @Option(help: "Output format: text, tsv or json.")
    var format: Format = .text

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The query (words starting with - exclude).", valueName: "query"))
    var query: [String]

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        guard offset >= 0 else { throw ValidationError("--offset must not be negative") }
        guard !query.isEmpty else { throw ValidationError("no query given") }
    }

    func run() throws {
        let text = query.joined(separator: " ")
        let results: SearchResults
        do {
            let index = try SearchIndex.open(indexOption.location, readOnly: true)
            results = try index.search(text, limit: limit, offset: offset)
        } catch {
            throw Terminal.fail(error)
        }
        print(HitFormatter(format: format, colours: Terminal.colours).render(results, query: text), terminator: "")
    }
}
