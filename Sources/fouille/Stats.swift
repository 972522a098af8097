import ArgumentParser

/// `fouille stats`: the daemon's counters.
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's statistics: documents, generation, queries, latency…")

    @OptionGroup var socketOption: SocketOption

    func run() throws {
        for line in try socketOption.request("STATS").lines {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            print("\(fields[1])\t\(fields[2])")
        }
    }
}
