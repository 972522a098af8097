import ArgumentParser
import FouilleIndex
import FouilleIngest
import Foundation
import Logging

/// `fouille rebuild`: a fresh, compact generation, published without downtime.
struct Rebuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the index into a new generation and publish it atomically.",
        discussion: """
            Reads every article of the source folders again (by default the folders \
            earlier ingests recorded; folders given replace them) into a new generation \
            file beside the one in service, which is served all the while. Before \
            publishing, the new generation is merged into one FTS5 segment (optimize) \
            and checked: SQLite quick_check, FTS5 integrity-check, and its document \
            count against the walk. A generation that fails is deleted and the current \
            one stays in service.

            Publishing replaces the CURRENT file atomically; a running daemon switches \
            within a second. Generations no process uses any more are deleted, so the \
            folder holds at most two. A rebuild killed at any moment leaves the \
            current generation intact; the next run removes its leftovers.

            Exit status: 0 published, 1 published but some files failed, 2 usage or \
            fatal error or a failed check (nothing published), 75 another ingest or \
            rebuild holds the index.
            """)

    @OptionGroup var indexOption: IndexOption

    @OptionGroup var flags: IngestFlags

    @OptionGroup var writer: WriterOption

    @Flag(help: "Publish even if the new generation holds less than half the documents of the current one.")
    var allowShrink = false

    @Option(help: ArgumentHelp(
        "Run at this nice value (0-19), so that the daemon's queries come first on the CPU.", valueName: "n"))
    var nice: Int32 = 10

    @Flag(name: .shortAndLong, help: "Print nothing when all went well (for cron).")
    var quiet = false

    @Argument(help: ArgumentHelp("Folders of .txt articles (default: the folders the index records).", valueName: "dir"))
    var folders: [String] = []

    func validate() throws {
        try Priority.validate(nice)
    }

    func run() throws {
        Priority.lower(to: nice)
        var options = RebuildOptions()
        options.ingest = try flags.options()
        if nice > 0 { options.ingest.qos = .background }
        options.allowShrink = allowShrink
        if let fault = ProcessInfo.processInfo.environment["FOUILLE_REBUILD_FAULT"] {
            options.fault = RebuildFault(rawValue: fault)
        }
        var logger = Logger(label: "fouille.rebuild") { _ in TerminalLogHandler() }
        if quiet { logger.logLevel = .warning }
        let location = indexOption.location
        let lock = try writer.lock(location, command: "fouille rebuild", logger: logger)
        defer { lock.release() }
        let report: RebuildReport
        do {
            let progress = Ingest.progress(nice: nice, quiet: quiet)
            report = try Rebuilder(location: location, options: options, logger: logger, progress: progress)
                .run(folders.isEmpty ? nil : folders)
            ProgressLine.clear()
        } catch {
            ProgressLine.clear()
            throw Terminal.fail(error)
        }
        for file in report.swept {
            logger.info("\(file)")
        }
        let summary = report.summary
        if !quiet || summary.failed > 0 {
            let megabytes = String(format: "%.1f", Double(report.fileBytes) / 1_048_576)
            print(
                "published \(report.generation.file.lastPathComponent): \(report.documents) documents, \(megabytes) MB"
                    + " in \(String(format: "%.2f", summary.seconds)) s (skipped=\(summary.skipped) failed=\(summary.failed))")
        }
        if summary.failed > 0 { throw ExitCode(1) }
    }
}
