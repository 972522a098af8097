import ArgumentParser
import FouilleIndex
import FouilleServer
import Foundation

/// `fouille search`: ranked results, from the daemon or straight from an index.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search: through the daemon, or with --index straight from an index folder.",
        discussion: """
            The query is what a person types: words in any case, with or without \
            accents. Also: "exact phrase", -excluded, prefix*, a OR b, and title:, \
            lead:, body: before a word. Nothing is a syntax error. Documents with \
            all the words come first, then those with fewer, the rarest words \
            kept longest.

            Without --index, the query goes to the daemon on --socket; if none \
            answers, the command says so and exits with status 2.

            Formats: text (for people; matches in bold on a terminal), tsv (the \
            protocol's HIT lines: HIT, rank, score, id, title, snippet; matches \
            in [brackets]), json (one object per line).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, tsv, json
    }

    @Option(
        name: .long,
        help: ArgumentHelp("Search this index folder directly, without the daemon.", valueName: "path"))
    var index: String?

    @OptionGroup var socketOption: SocketOption

    @Option(help: "Results to show (1 to 1000).")
    var limit = 10

    @Option(help: "Results to skip first (for paging).")
    var offset = 0

    @Option(help: "Output format: text, tsv or json.")
    var format: Format = .text

    @Argument(
        parsing: .captureForPassthrough,
        help: ArgumentHelp(
            "The query, after the options (everything from its first word on is query: `-word` excludes; use -- before a query that starts with -).",
            valueName: "query"))
    var query: [String]

    func validate() throws {
        // The query swallows everything after it, --help included.
        if let first = query.first, first == "--help" || first == "-h" { throw CleanExit.helpRequest(self) }
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        guard offset >= 0 else { throw ValidationError("--offset must not be negative") }
        guard !query.isEmpty else { throw ValidationError("no query given") }
        guard index == nil || socketOption.socket == nil else {
            throw ValidationError("--index searches without the daemon; --socket goes through it: give one")
        }
    }

    func run() throws {
        let text = query.joined(separator: " ")
        let (hits, total, corrected) = try index == nil ? throughDaemon(text) : direct(text)
        print(
            HitFormatter(format: format, colours: Terminal.colours).render(hits, total: total, query: text, corrected: corrected),
            terminator: "")
    }

    private func direct(_ text: String) throws -> ([HitLine], Int, String?) {
        do {
            let results = try SearchIndex.open(IndexLocation(path: index!), readOnly: true)
                .search(text, limit: limit, offset: offset)
            let corrected = results.corrections.isEmpty ? nil : Correction.listed(results.corrections)
            return (results.hits.map(HitLine.init), results.total, corrected)
        } catch {
            throw Terminal.fail(error)
        }
    }

    private func throughDaemon(_ text: String) throws -> ([HitLine], Int, String?) {
        let flat = text.map { $0 == "\n" || $0 == "\r" ? " " : $0 }
        let reply = try socketOption.request("SEARCH limit=\(limit) offset=\(offset) \(String(flat))")
        return (reply.lines.compactMap(HitLine.init(line:)), Int(reply.values["total"] ?? "") ?? 0, reply.values["corrected"])
    }
}
