import FouilleServer
import Foundation
import XCTest

/// Runs the built `fouille` binary, as a user or cron would.
struct FouilleProcess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `.build/<configuration>/fouille`, beside the test bundle.
    static var binary: URL {
        var folder = Bundle.main.bundleURL
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            folder = bundle.bundleURL.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("fouille")
    }

    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        try start(executable: binary, arguments, environment: environment)
    }

    /// Starts any program with the environment `fouille` gets: no colour, no
    /// `FOUILLE_INDEX`, then `environment` on top.
    static func start(executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env.removeValue(forKey: "FOUILLE_INDEX")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        let (process, out, err) = try start(arguments, environment: environment)
        return finish(process, out, err)
    }

    /// Runs any program to the end (a shell wrapper around `fouille`, say).
    static func runProgram(_ path: String, _ arguments: [String]) throws -> Output {
        let (process, out, err) = try start(executable: URL(fileURLWithPath: path), arguments)
        return finish(process, out, err)
    }

    /// Collects a started process's output and waits for it to end.
    private static func finish(_ process: Process, _ out: Pipe, _ err: Pipe) -> Output {
        // Read both pipes before waiting, so a chatty process never blocks on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let stderrBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stderrBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrBox.data, as: UTF8.self))
    }

    /// Starts `fouille serve` and waits (30 s at most) until it answers PING.
    static func startDaemon(index: String, socket: String, _ extra: [String] = []) throws -> Process {
        let (process, _, _) = try start(["serve", "--index", index, "--socket", socket, "--log-level", "warning"] + extra)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let reply = try? ProtocolClient(path: socket).send("PING"), reply.final == "OK PONG" { return process }
            guard process.isRunning else { break }
            usleep(20_000)
        }
        XCTFail("the daemon did not start")
        return process
    }
}

/// A temporary folder of articles written by the test.
final class Workspace {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("fouille-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    var index: String { root.appendingPathComponent("index").path }
    var articles: URL { root.appendingPathComponent("articles") }

    func write(_ relativePath: String, _ text: String) throws {
        try write(relativePath, Data(text.utf8))
    }

    func write(_ relativePath: String, _ data: Data) throws {
        let url = articles.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
}

/// A `fouille` process left running, its output collected as it comes.
final class BackgroundFouille: @unchecked Sendable {
    let process: Process
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    private let readers = DispatchGroup()

    struct Result {
        var reason: Process.TerminationReason
        var status: Int32
        var stdout: String
        var stderr: String
    }

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        let (process, outPipe, errPipe) = try FouilleProcess.start(arguments, environment: environment)
        self.process = process
        for (handle, isError) in [(outPipe.fileHandleForReading, false), (errPipe.fileHandleForReading, true)] {
            readers.enter()
            let thread = Thread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.withLock { if isError { err.append(chunk) } else { out.append(chunk) } }
                }
                readers.leave()
            }
            thread.start()
        }
    }

    var pid: pid_t { process.processIdentifier }
    var stdout: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

    /// Waits for the process to end (20 s at most) and for its output.
    func finish() -> Result {
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            XCTFail("\(process.arguments ?? []) did not finish: \(stderr)")
            kill(pid, SIGKILL)
        }
        process.waitUntilExit()
        _ = readers.wait(timeout: .now() + 5)
        return Result(reason: process.terminationReason, status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// Kills (SIGKILL) and reaps those of `processes` still running: a test's leftovers.
    static func killRunning(_ processes: [BackgroundFouille]) {
        for background in processes where background.process.isRunning {
            kill(background.pid, SIGKILL)
            background.process.waitUntilExit()
        }
    }

    /// Whether the process is stopped (state `T` in /proc).
    static func isStopped(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("T")
    }
}
