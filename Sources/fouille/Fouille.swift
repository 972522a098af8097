import ArgumentParser
import Foundation

/// The `fouille` command: it only lists the subcommands, one file each.
struct Fouille: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fouille",
        abstract: "Full-text search for French text, over an SQLite FTS5 index.",
        discussion: """
            An index is a folder (default: $FOUILLE_INDEX, else \
            $XDG_DATA_HOME/fouille/index, else ~/.local/share/fouille/index) holding \
            one SQLite file per generation and a CURRENT file naming the one in service.

            Exit statuses: 0 success; 1 some files failed, the daemon answered ERR, or \
            a daemon already serves the socket; 2 usage or fatal error (including no \
            daemon to connect to); 75 another ingest or rebuild holds the index (cron \
            tries again later).
            """,
        version: "0.1.0",
        subcommands: [Ingest.self, Rebuild.self, Search.self, Serve.self, Ping.self, Stats.self, Suggest.self]
    )
}

@main
enum Main {
    static func main() async {
        do {
            var command = try Fouille.parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
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
