import ArgumentParser
import Foundation

/// The `fouille` command: it only lists the subcommands, one file each.
struct Fouille: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fouille",
        abstract: "Full-text search for French text, over an SQLite FTS5 index.",
        discussion: """
            An index is a folder (default: $FOUILLE_INDEX, else \
            $XDG_DATA_HOME/fouille/index, else ~/.local/share/fouille/index) holding \
            one SQLite file per generation and a CURRENT file naming the one in service.

            Exit statuses: 0 success, 1 some files failed or nothing was found to do, \
            2 usage or fatal error.
            """,
        version: "0.1.0",
        subcommands: [Ingest.self, Search.self]
    )
}

@main
enum Main {
    static func main() {
        do {
            var command = try Fouille.parseAsRoot()
            try command.run()
        } catch {
            let code = Fouille.exitCode(for: error)
            let message = Fouille.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                exit(0)
            }
            if !message.isEmpty { Terminal.standardError(message) }
            // Usage errors exit 2, like other Unix tools (ArgumentParser says 64).
            exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
