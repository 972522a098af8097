import FouilleServer
import Foundation
import XCTest

/// Who can talk to the daemon, and what a client can make it touch.
///
/// The socket is the only door: its mode bits decide who may connect (0600
/// by default, 0660 with `--socket-mode 0660` for the socket's group), and
/// when the test runs as root it checks that with a second uid (`setpriv` to
/// `nobody`), since only a real other user proves the bits are enforced.
/// Otherwise it checks the bits alone.
final class SocketSecurityTests: XCTestCase {
    var workspace: Workspace!
    var socket: String { workspace.root.appendingPathComponent("run/fouille.sock").path }
    /// Outside the index: nothing a client sends may read it.
    var secretFile: URL { workspace.root.appendingPathComponent("prive/confidentiel.txt") }
    static let secretWord = "ornithorynquebleu"

    override func setUpWithError() throws {
        workspace = try Workspace()
        // Whatever the umask, the path to the socket is open to others: only
        // the socket's own mode bits may keep them out.
        chmod(workspace.root.path, 0o755)
        let run = workspace.root.appendingPathComponent("run").path
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        chmod(run, 0o755)
        try workspace.write("ocean.txt", "Les baleines reviennent en Méditerranée\nDes cétacés observés au large de Toulon.\n")
        try workspace.write("montagne.txt", "Le glacier recule dans les Alpes\nLes guides s'adaptent à la fonte.\n")
        let ingest = try FouilleProcess.run(["ingest", "--quiet", "--index", workspace.index, workspace.articles.path])
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
        try FileManager.default.createDirectory(at: secretFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("Note interne\nLe mot \(Self.secretWord) ne doit jamais sortir.\n".utf8).write(to: secretFile)
    }

    override func tearDown() {
        workspace = nil
        super.tearDown()
    }

    private func startDaemon(_ extra: [String] = []) throws -> Process {
        try FouilleProcess.startDaemon(index: workspace.index, socket: socket, extra)
    }

    private func socketStat() throws -> stat {
        var info = stat()
        guard lstat(socket, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return info
    }

    /// `fouille ping` run as another user, or nil when this machine cannot
    /// switch users (not root, or no `setpriv`).
    private func pingAs(uid: UInt32, gid: UInt32) throws -> FouilleProcess.Output? {
        let setpriv = "/usr/bin/setpriv"
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments = ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--",
                             FouilleProcess.binary.path, "ping", "--socket", socket]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // 126/127: setpriv could not run the binary as that user (a build
        // folder others may not enter): nothing learnt about the socket.
        if process.terminationStatus == 126 || process.terminationStatus == 127 {
            throw XCTSkip("user \(uid) cannot run \(FouilleProcess.binary.path): \(String(decoding: stderr, as: UTF8.self))")
        }
        return FouilleProcess.Output(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    static let nobody: UInt32 = 65534

    func testTheSocketIsOwnerOnlyByDefaultAndAnotherUserCannotConnect() throws {
        let daemon = try startDaemon()
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let info = try socketStat()
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFSOCK)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertEqual(info.st_uid, getuid())
        XCTAssertEqual(try ProtocolClient(path: socket).send("PING").final, "OK PONG", "the owner connects")

        guard let other = try pingAs(uid: Self.nobody, gid: Self.nobody) else {
            throw XCTSkip("cannot run as a second user here (needs root and setpriv): mode bits checked only")
        }
        XCTAssertEqual(other.status, 2, other.stdout + other.stderr)
        XCTAssertTrue(other.stderr.contains("(permission denied)"), "refused by the mode bits, not missing: \(other.stderr)")
        // Even in the socket's group: 0600 gives the group nothing.
        let sameGroup = try XCTUnwrap(try pingAs(uid: Self.nobody, gid: info.st_gid))
        XCTAssertEqual(sameGroup.status, 2)
        XCTAssertTrue(sameGroup.stderr.contains("(permission denied)"), sameGroup.stderr)
    }

    func testGroupModeLetsTheGroupInAndNobodyElse() throws {
        let daemon = try startDaemon(["--socket-mode", "0660"])
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let info = try socketStat()
        XCTAssertEqual(info.st_mode & 0o777, 0o660)

        guard let stranger = try pingAs(uid: Self.nobody, gid: Self.nobody) else {
            throw XCTSkip("cannot run as a second user here (needs root and setpriv): mode bits checked only")
        }
        XCTAssertNotEqual(info.st_gid, Self.nobody, "the test needs the socket's group to differ from nobody's")
        XCTAssertEqual(stranger.status, 2)
        XCTAssertTrue(stranger.stderr.contains("(permission denied)"), stranger.stderr)
        let member = try XCTUnwrap(try pingAs(uid: Self.nobody, gid: info.st_gid))
        XCTAssertEqual(member.status, 0, member.stderr)
        XCTAssertEqual(member.stdout, "OK PONG\n")
    }

    /// No command takes a path, so no client can make the daemon read a file
    /// outside its index or write anywhere:
    /// - `PING`, `STATS`, `RELOAD`, `HELP`, `QUIT` take no argument at all
    ///   (`bad_argument`). `RELOAD` re-opens whatever `CURRENT` in the index
    ///   folder given at start-up names: the folder is the daemon's, not the
    ///   client's, and the name it holds must be `gen-N.sqlite` without a `/`.
    /// - `SEARCH`, `COUNT`, `SUGGEST` take text that is only analysed into
    ///   terms, quoted into an FTS5 expression and bound as a parameter of a
    ///   fixed statement: no SQL of the client's runs (so no `ATTACH`, no
    ///   `load_extension`), and FTS5 reads only its own tables.
    /// - The daemon opens each generation read-only (SQLite's read-only open);
    ///   the only files it removes are generations it retires, in its own
    ///   index folder, and its socket.
    /// `STATS` does show the index file's path: for the operator, and only to
    /// users the socket's mode lets in.
    func testNoCommandReadsOrWritesFilesOutsideTheIndex() throws {
        XCTAssertEqual(Set(Request.verbs.map(\.verb)), ["PING", "SEARCH", "COUNT", "SUGGEST", "STATS", "RELOAD", "HELP", "QUIT"],
                       "a new command must be checked here for what it lets a client reach")
        let daemon = try startDaemon()
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let before = try listing(workspace.root.path)
        let target = workspace.root.appendingPathComponent("ecrit-par-un-client").path
        let secret = secretFile.path
        let requests = [
            "SEARCH \(secret)", "SEARCH \"\(secret)\"", "COUNT \(secret)", "SUGGEST \(secret)", "SEARCH file:\(secret)",
            "SEARCH \(Self.secretWord)", "COUNT \(Self.secretWord)", "SUGGEST \(Self.secretWord.prefix(6))",
            "SEARCH ../../prive/confidentiel.txt", "SEARCH limit=5 offset=0 /etc/passwd",
            "SEARCH '); ATTACH DATABASE '\(target)' AS x; --", "COUNT \"); SELECT load_extension('\(target)'); --",
            "SEARCH documents_fts MATCH 'x'; ATTACH '\(target)' AS y", "SUGGEST '; VACUUM INTO '\(target)'; --",
            "RELOAD \(secret)", "RELOAD ../prive", "STATS \(secret)", "PING \(target)", "HELP \(target)", "QUIT \(target)",
            "RELOAD", "STATS",
        ]
        let client = try ProtocolClient(path: socket)
        for request in requests {
            let reply = try client.send(request)
            let all = (reply.lines + [reply.final]).joined(separator: "\n")
            XCTAssertFalse(all.contains(Self.secretWord.prefix(10)) && !request.contains(Self.secretWord.prefix(10)),
                           "\(request) -> \(all)")
            XCTAssertFalse(all.contains("Note interne"), "\(request) read the file outside the index: \(all)")
            if request.hasPrefix("SEARCH") || request.hasPrefix("COUNT") || request.hasPrefix("SUGGEST") {
                XCTAssertTrue(reply.final.hasPrefix("OK"), "\(request) -> \(reply.final)")
                XCTAssertFalse(reply.final.hasPrefix("OK total=") && !reply.final.hasPrefix("OK total=0"), "\(request) -> \(reply.final)")
            } else if request.contains(" ") {
                XCTAssertTrue(reply.final.hasPrefix("ERR bad_argument"), "\(request) -> \(reply.final)")
            }
        }
        XCTAssertEqual(try client.send("COUNT \(Self.secretWord)").final, "OK 0")
        XCTAssertEqual(try client.send("COUNT baleines").final, "OK 1", "the index itself is served")
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target + "-journal"))
        XCTAssertEqual(try listing(workspace.root.path), before, "no file was created, removed or changed")
    }

    /// Every file under `path` with its size and modification time, the
    /// daemon's socket and the index's -wal and -shm files aside.
    private func listing(_ path: String) throws -> [String] {
        var result: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasSuffix("-wal") || relative.hasSuffix("-shm") || relative.hasSuffix(".sock") { continue }
            var info = stat()
            guard lstat(path + "/" + relative, &info) == 0 else { continue }
            let isFile = (info.st_mode & S_IFMT) == S_IFREG
            result.append("\(relative) \(isFile ? info.st_size : 0) \(isFile ? info.st_mtim.tv_sec : 0).\(isFile ? info.st_mtim.tv_nsec : 0)")
        }
        return result.sorted()
    }
}
