import ArgumentParser
import FouilleIndex
import Foundation
import Logging

/// Where the command line writes, and whether a person is watching.
enum Terminal {
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var colours: Bool {
        standardOutputIsTerminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    /// Reports an error and exits with status 2 (fatal), or 75 (EX_TEMPFAIL)
    /// when another run holds the index: cron tries again next time.
    static func fail(_ error: any Error) -> ExitCode {
        standardError("fouille: \(error)")
        return error is WriterLock.Busy ? ExitCode(75) : ExitCode(2)
    }
}

/// A failure the command itself found, with its message.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}


/// Plain `fouille: warning: …` lines on standard error: the command line's
/// messages are for people and for cron mail, not for a log collector.
struct TerminalLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        ProgressLine.clear()
        let level = event.level >= .error ? "error: " : event.level == .warning ? "warning: " : ""
        Terminal.standardError("fouille: \(level)\(event.message)")
    }
}

/// A one-line progress display on standard error, redrawn in place.
enum ProgressLine {
    nonisolated(unsafe) static var shown = false

    static func show(_ text: String) {
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        shown = true
    }

    static func clear() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }
}
