import FouilleIndex
import FouilleServer
import FouilleTestSupport
import Foundation
import XCTest

/// A generation file damaged on disk (truncated, emptied, garbage written
/// over its middle, replaced by another program's SQLite database), and folders the
/// process may not write: `serve`, `search --index` and `ingest` refuse with
/// a message naming the file and what to do, and a non-zero status; never a
/// crash, never a silent empty answer.
///
/// The library-level refusals are in `SchemaTests` (garbage, a foreign
/// database, another format version); these run the built binary.
final class DamagedIndexTests: XCTestCase {
    var workspace: Workspace!
    var socket: String { workspace.root.appendingPathComponent("run/fouille.sock").path }
    var location: IndexLocation { IndexLocation(path: workspace.index) }

    override func setUpWithError() throws {
        workspace = try Workspace()
        for i in 0..<300 {
            try workspace.write(
                String(format: "vignes/article-%03d.txt", i),
                "Les vendanges numéro \(i) en Bourgogne\nLes vignerons surveillent le ciel.\n"
                    + String(repeating: "Le pinot noir mûrit lentement sur les coteaux de Beaune et de Nuits, parcelle \(i). ", count: 12) + "\n")
        }
        let ingest = try FouilleProcess.run(["ingest", "--quiet", "--index", workspace.index, workspace.articles.path])
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
    }

    override func tearDown() {
        if let workspace { chmod(workspace.index, 0o755) }
        workspace = nil
    }

    private var generationFile: String { (try? location.currentGeneration().file.path) ?? "" }

    // MARK: - Damage

    func testATruncatedFileIsRefusedClearly() throws {
        let file = generationFile
        XCTAssertEqual(truncate(file, off_t(try fileSize(file) / 2)), 0)
        try expectRefusal(file: file)
    }

    func testAnEmptiedFileIsRefusedClearly() throws {
        let file = generationFile
        XCTAssertEqual(truncate(file, 0), 0)
        try expectRefusal(file: file, what: "is damaged or not a database (the file is empty)")
    }

    func testAForeignSQLiteDatabaseIsRefusedAndLeftUnchanged() throws {
        let file = generationFile
        unlink(file)
        let made = LoadAndFaultTests.shell("sqlite3 '\(file)' 'CREATE TABLE clients(id INTEGER PRIMARY KEY, nom TEXT); INSERT INTO clients(nom) VALUES (\"Dupont\");'")
        try XCTSkipIf(made != 0, "the sqlite3 command is needed to write a foreign database")
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        try expectRefusal(file: file, what: "is an SQLite database but not a Fouille index; nothing was changed") {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), before, "the foreign file is not touched")
        }
    }

    /// Random bytes over whole pages in the middle of the file: its header
    /// is intact, so it opens. A daemon already serving it answers the
    /// queries that read a damaged page `ERR internal`, naming the file and
    /// the repair, and logs the same; the others answer as before, never a
    /// wrong count. A new `serve` and `ingest` check the whole file first
    /// and refuse; `search --index` (no such check, it would cost more than
    /// the search) refuses or answers right.
    func testGarbageInTheMiddleOfTheFileIsFoundAndRefused() throws {
        let file = generationFile
        let daemon = try BackgroundFouille(["serve", "--index", workspace.index, "--socket", socket, "--log-level", "warning"])
        defer { BackgroundFouille.killRunning([daemon]) }
        var client: ProtocolClient?
        for _ in 0..<300 where client == nil {
            client = try? ProtocolClient(path: socket, timeout: 10)
            if client == nil { usleep(20_000) }
        }
        let served = try XCTUnwrap(client, "the daemon did not start: \(daemon.stderr)")
        XCTAssertEqual(try served.send("COUNT pinot").final, "OK 300")

        // The middle third, in whole 4 KiB pages, from a seeded generator.
        let size = try fileSize(file)
        let pages = size / 4096
        var random = SplitMix64(seed: 11)
        let garbage = Data((0..<(pages / 3 * 4096)).map { _ in UInt8.random(in: 0...255, using: &random) })
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: file))
        try handle.seek(toOffset: UInt64(pages / 3 * 4096))
        try handle.write(contentsOf: garbage)
        try handle.close()

        // Every article holds each of these words: whatever answers OK must
        // count all 300.
        let requests = [
            ("SEARCH limit=300 parcelle", "OK total=300 returned=300 "), ("COUNT vendanges", "OK 300"),
            ("SEARCH coteaux beaune", "OK total=300 returned=10 "), ("COUNT p*", "OK 300"),
        ]
        // RELOAD opens fresh connections, their caches empty: pages are read
        // from the disk again, as most are on an index larger than SQLite's
        // caches (2 MB a connection; this one fits, checked at start).
        XCTAssertEqual(try served.send("RELOAD").final, "OK generation=1")
        var damaged = 0
        for (request, whole) in requests {
            let reply = try served.send(request)
            if reply.isOK {
                XCTAssertTrue(reply.final.hasPrefix(whole), "\(request): \(reply.final), or an error, never less")
            } else {
                damaged += 1
                XCTAssertTrue(reply.final.hasPrefix("ERR internal \(file) is damaged"), "\(request): \(reply.final)")
                XCTAssertTrue(reply.final.contains("fouille rebuild --index \(workspace.index) DIR"), reply.final)
            }
        }
        XCTAssertGreaterThan(damaged, 0, "some query reads a damaged page")
        XCTAssertEqual(try served.send("PING").final, "OK PONG", "the daemon goes on")
        XCTAssertTrue(daemon.stderr.contains("\(file) is damaged"), "the log names the file: \(daemon.stderr)")
        XCTAssertTrue(daemon.stderr.contains("fouille rebuild --index"), "the log says what to do: \(daemon.stderr)")
        kill(daemon.pid, SIGTERM)
        XCTAssertEqual(daemon.finish().status, 0)

        let search = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "--limit", "300", "parcelle"])
        if search.status == 0 {
            XCTAssertEqual(search.stdout.split(separator: "\n").count, 300, "a whole answer: \(search.stderr)")
        } else {
            XCTAssertEqual(search.stdout, "", "no answer rather than a partial one")
            checkMessage(search.stderr, file: file, what: "is damaged", command: "search", line: #line)
        }
        print("garbage over pages \(pages / 3)–\(pages / 3 * 2 - 1) of \(pages): \(damaged) of \(requests.count) queries ERR; search --index: status \(search.status)")
        try expectRefusal(file: file, what: "is damaged or not a database", searchToo: false)
    }

    /// `search --index`, `serve` and `ingest` on the damaged generation:
    /// status 2, one message naming the file, what is wrong, and the repair;
    /// then the repair it names, `fouille rebuild --index INDEX DIR`, works.
    private func expectRefusal(
        file: String, what: String = "is damaged or not a database", searchToo: Bool = true, line: UInt = #line,
        beforeRepair: () throws -> Void = {}
    ) throws {
        if searchToo {
            let search = try FouilleProcess.run(["search", "--index", workspace.index, "pinot", "beaune"])
            XCTAssertEqual(search.status, 2, "search: \(search.stdout) \(search.stderr)", line: line)
            XCTAssertEqual(search.stdout, "", "no answer at all rather than a wrong one", line: line)
            checkMessage(search.stderr, file: file, what: what, command: "search", line: line)
        }

        // A serve that did start is stopped after 20 s, and fails the test.
        let serve = try BackgroundFouille(["serve", "--index", workspace.index, "--socket", socket]).finish()
        XCTAssertEqual(serve.status, 2, "serve: \(serve.stderr)", line: line)
        checkMessage(serve.stderr, file: file, what: what, command: "serve", line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: socket), "no socket left behind", line: line)

        try workspace.write("vignes/nouveau.txt", "Gel tardif en Champagne\nLes bourgeons ont souffert.\n")
        let ingest = try FouilleProcess.run(["ingest", "--index", workspace.index, workspace.articles.path])
        XCTAssertEqual(ingest.status, 2, "ingest: \(ingest.stdout) \(ingest.stderr)", line: line)
        checkMessage(ingest.stderr, file: file, what: what, command: "ingest", line: line)
        try beforeRepair()

        // What the message says to do works.
        let rebuild = try FouilleProcess.run(["rebuild", "--quiet", "--index", workspace.index, workspace.articles.path])
        XCTAssertEqual(rebuild.status, 0, "rebuild: \(rebuild.stderr)", line: line)
        let repaired = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "--limit", "1", "champagne"])
        XCTAssertEqual(repaired.status, 0, repaired.stderr, line: line)
        XCTAssertTrue(repaired.stdout.contains("nouveau.txt"), repaired.stdout, line: line)
    }

    /// One `fouille:` line: the file, what is wrong with it, and the repair.
    private func checkMessage(_ stderr: String, file: String, what: String, command: String, line: UInt) {
        XCTAssertTrue(stderr.hasPrefix("fouille: \(file) "), "\(command) names the file first: \(stderr)", line: line)
        XCTAssertTrue(stderr.contains(what), "\(command) says what is wrong (\(what)): \(stderr)", line: line)
        XCTAssertTrue(
            stderr.contains("rebuild the index with 'fouille rebuild --index \(workspace.index) DIR…'")
                && stderr.contains("or restore a backup"),
            "\(command) says what to do: \(stderr)", line: line)
        XCTAssertFalse(stderr.contains("Fatal error") || stderr.contains("Stack dump"), "\(command) crashed: \(stderr)", line: line)
        XCTAssertEqual(stderr.split(separator: "\n").count, 1, "\(command): one line: \(stderr)", line: line)
    }

    private func fileSize(_ path: String) throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    // MARK: - Permissions

    /// Root bypasses permission checks: these run `fouille` as `nobody`
    /// through `setpriv`, and skip when that is impossible.
    private func asNobody(_ arguments: [String]) throws -> FouilleProcess.Output {
        if getuid() != 0 { return try FouilleProcess.run(arguments) }
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                          "running as root, and no setpriv to drop to an ordinary user: root bypasses permission checks")
        return try FouilleProcess.runProgram(
            "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", FouilleProcess.binary.path] + arguments)
    }

    func testIngestIntoAFolderItMayNotWriteFailsClearly() throws {
        // Root owns the index, mode 0755: an ordinary user may read, not write.
        chmod(workspace.root.path, 0o755)
        try workspace.write("vignes/nouveau.txt", "Gel tardif en Champagne\nLes bourgeons ont souffert.\n")
        let ingest = try asNobody(["ingest", "--index", workspace.index, workspace.articles.path])
        XCTAssertEqual(ingest.status, 2, "\(ingest.stdout) \(ingest.stderr)")
        XCTAssertTrue(ingest.stderr.hasPrefix("fouille: "), ingest.stderr)
        XCTAssertTrue(ingest.stderr.contains(workspace.index), "names the index: \(ingest.stderr)")
        XCTAssertTrue(ingest.stderr.lowercased().contains("permission denied") || ingest.stderr.contains("readonly") || ingest.stderr.contains("read-only"),
                      "says why: \(ingest.stderr)")
        // Reading the folder directly needs write access too (a WAL
        // database's -shm file, which the writers remove on close): the
        // message says so and points to the daemon.
        let search = try asNobody(["search", "--index", workspace.index, "champagne"])
        XCTAssertEqual(search.status, 2, "\(search.stdout) \(search.stderr)")
        XCTAssertTrue(search.stderr.contains("query through the daemon"), search.stderr)
        let index = try SearchIndex.open(location, readOnly: true)
        XCTAssertEqual(try index.documentCount(), 300, "nothing changed")
        try index.close()
    }

    func testASocketInAFolderThatCannotBeCreatedOrWrittenFailsClearly() throws {
        chmod(workspace.root.path, 0o755)
        // A folder under a plain file cannot be created, even by root.
        let plain = workspace.root.appendingPathComponent("plain-file")
        try Data("x".utf8).write(to: plain)
        let underFile = try FouilleProcess.run(["serve", "--index", workspace.index, "--socket", plain.path + "/run/fouille.sock"])
        XCTAssertEqual(underFile.status, 1, underFile.stderr)
        XCTAssertTrue(underFile.stderr.contains("cannot create the socket folder \(plain.path)/run"), underFile.stderr)

        // A folder root owns: an ordinary user can neither create nor bind there.
        let notMine = workspace.root.appendingPathComponent("root-only")
        try FileManager.default.createDirectory(at: notMine, withIntermediateDirectories: true)
        chmod(notMine.path, 0o755)
        let create = try asNobody(["serve", "--index", workspace.index, "--socket", notMine.path + "/sub/fouille.sock"])
        XCTAssertEqual(create.status, 1, create.stderr)
        XCTAssertTrue(create.stderr.contains("cannot create the socket folder \(notMine.path)/sub"), create.stderr)
        let bind = try asNobody(["serve", "--index", workspace.index, "--socket", notMine.path + "/fouille.sock"])
        XCTAssertEqual(bind.status, 1, bind.stderr)
        XCTAssertTrue(bind.stderr.hasPrefix("fouille: cannot listen on \(notMine.path)/fouille.sock: "), "names the socket: \(bind.stderr)")
        XCTAssertTrue(bind.stderr.lowercased().contains("permission denied"), "says why: \(bind.stderr)")
        XCTAssertFalse(bind.stderr.contains("Fatal error"), bind.stderr)
    }
}
