import ArgumentParser
import FouilleIngest
import Foundation

/// How articles are read, shared by `ingest` and `rebuild`.
struct IngestFlags: ParsableArguments {
    @Flag(help: "Follow symbolic links to files and folders (loops are walked once).")
    var followSymlinks = false

    @Option(help: ArgumentHelp("Refuse files larger than this many megabytes.", valueName: "MB"))
    var maxFileSize: Double = 10

    @Option(
        help: ArgumentHelp(
            "Read boilerplate markers from a file (one per line, # comments) instead of the built-in French list.",
            valueName: "file"))
    var markers: String?

    @Flag(help: "Index whole bodies: cut nothing.")
    var noMarkers = false

    @Option(help: ArgumentHelp("Commit after this many files (a killed run loses at most one batch, or the batches written while the index was being checked).", valueName: "n"))
    var batchFiles = 500

    func validate() throws {
        guard batchFiles > 0 else { throw ValidationError("--batch-files must be positive") }
        guard maxFileSize > 0 else { throw ValidationError("--max-file-size must be positive") }
        guard markers == nil || !noMarkers else { throw ValidationError("--markers and --no-markers exclude each other") }
    }

    func options() throws -> IngestOptions {
        var options = IngestOptions()
        options.followSymlinks = followSymlinks
        options.batchFiles = batchFiles
        options.maximumFileSize = Int64(maxFileSize * 1_048_576)
        if noMarkers { options.markers = .none }
        if let markers {
            guard let data = FileManager.default.contents(atPath: markers) else {
                throw Terminal.fail(CommandError("cannot read the markers file \(markers)"))
            }
            options.markers = BoilerplateMarkers(fileContents: String(decoding: data, as: UTF8.self))
        }
        return options
    }
}
