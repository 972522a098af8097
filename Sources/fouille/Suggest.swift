import ArgumentParser

/// `fouille suggest`: completions of a partial word.
struct Suggest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Complete a partial word from the index vocabulary, most frequent first.",
        discussion: "Prints one word a line with the number of documents containing it.")

    @OptionGroup var socketOption: SocketOption

    @Option(name: .shortAndLong, help: "Completions to show (1 to 100).")
    var limit = 10

    @Argument(help: ArgumentHelp("The beginning of a word.", valueName: "prefix"))
    var prefix: String

    func validate() throws {
        guard (1...100).contains(limit) else { throw ValidationError("--limit must be between 1 and 100") }
    }

    func run() throws {
        for line in try socketOption.request("SUGGEST limit=\(limit) \(prefix)").lines {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0] == "TERM" else { continue }
            print("\(fields[1])\t\(fields[2])")
        }
    }
}
