import ArgumentParser
import FouilleIndex
import FouilleIngest
import Foundation
import Logging

/// `fouille ingest`: folders of articles into the index.
struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add the .txt articles of folders to the index, incrementally.",
        discussion: """
            Each .txt file is one article: line 1 the title, line 2 the lead, the rest \
            the body. The body is cut at the first line that is exactly a boilerplate \
            marker ("À regarder", "Lire aussi", "Commentaires"…; see --markers). A \
            document's id is its path relative to the folder given.

            Unchanged files are not read again; changed files replace their document. \
            Work is committed in batches: a run that is interrupted keeps what it \
            committed, and running it again completes the rest.

            Bad files never stop the run: each is named on standard error with the \
            reason. Files not valid UTF-8 are read as Windows-1252 or have their bad \
            bytes replaced, with a warning. Binary, unreadable and oversized files \
            are not indexed and count as failed.

            The index file is checked whole (SQLite quick_check) while the first batches \
            are read and written, and nothing is committed before the check passes: a \
            damaged file is refused, unchanged, with status 2 and the repair to run.

            One ingest or rebuild writes an index at a time: a second one exits at \
            once with status 75, or waits with --wait.

            Prints a summary: added= updated= unchanged= removed= skipped= failed=. \
            Exit status: 0 all went well, 1 some files failed, 2 usage or fatal error, \
            75 another ingest or rebuild holds the index.
            """)

    @OptionGroup var indexOption: IndexOption

    @Flag(help: "Remove documents whose files are gone from the folders given.")
    var prune = false

    @OptionGroup var flags: IngestFlags

    @OptionGroup var writer: WriterOption

    @Option(help: ArgumentHelp(
        "Run at this nice value (0-19), so that the daemon's queries come first on the CPU (cron: 10).",
        valueName: "n"))
    var nice: Int32 = 0

    @Flag(name: .shortAndLong, help: "Print nothing when all went well (for cron).")
    var quiet = false

    @Argument(help: ArgumentHelp("Folders of .txt articles.", valueName: "dir"))
    var folders: [String]

    func validate() throws {
        try Priority.validate(nice)
    }

    func run() throws {
        Priority.lower(to: nice)
        var options = try flags.options()
        options.prune = prune
        if nice > 0 { options.qos = .background }
        var logger = Logger(label: "fouille.ingest") { _ in TerminalLogHandler() }
        if quiet { logger.logLevel = .warning }
        let lock = try writer.lock(indexOption.location, command: "fouille ingest", logger: logger)
        defer { lock.release() }
        let summary: IngestSummary
        do {
            let index = try SearchIndex.open(indexOption.location, creating: true)
            // Writing into a damaged file could spread the damage: nothing
            // commits before the check has passed.
            let path = index.generation.file.path
            index.checkBeforeFirstCommit { [logger] in
                logger.warning("\(path) is large: its check was cut short, ingesting into it unchecked")
            }
            let report = Self.progress(nice: nice, quiet: quiet)
            summary = try Ingester(index: index, options: options, logger: logger, progress: report).run(folders)
            try index.passCheck()
            ProgressLine.clear()
            try index.close()
        } catch {
            ProgressLine.clear()
            throw Terminal.fail(error)
        }
        if !quiet || summary.failed > 0 {
            print(
                "\(summary.counts) in \(String(format: "%.2f", summary.seconds)) s"
                    + " (\(String(format: "%.1f", summary.megabytesPerSecond)) MB/s)")
        }
        if summary.failed > 0 { throw ExitCode(1) }
    }

    /// What ingest and rebuild do after each batch: set every thread's nice
    /// value again (see ``Priority``), and redraw the progress line when a
    /// person watches.
    static func progress(nice: Int32, quiet: Bool) -> (IngestProgress) -> Void {
        let shown = Terminal.standardErrorIsTerminal && !quiet
        return { step in
            Priority.lower(to: nice)
            if shown { showProgress(step) }
        }
    }

    static func showProgress(_ progress: IngestProgress) {
        let mb = { (bytes: Int64) in String(format: "%.1f", Double(bytes) / 1_048_576) }
        var line = "\(progress.filesDone)/\(progress.filesTotal) files, \(mb(progress.bytesDone))/\(mb(progress.bytesTotal)) MB, "
            + String(format: "%.1f MB/s", progress.megabytesPerSecond)
        if let left = progress.secondsLeft {
            line += String(format: ", %d:%02d left", Int(left) / 60, Int(left) % 60)
        }
        ProgressLine.show(line)
    }
}

