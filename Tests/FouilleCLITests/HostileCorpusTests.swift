import Foundation
import XCTest

/// `fouille ingest` on a corpus of bad files written by the test: each is
/// handled as the README's table says (indexed with a warning, or skipped or
/// failed with its reason on standard error), the run finishes, and the exit
/// status tells (1 when a file failed).
///
/// Sizes are bounded for CI; `scripts/fuzz` runs the full ones:
/// `FOUILLE_HOSTILE_FILES` (tiny files, default 5,000; the script 100,000)
/// and `FOUILLE_HOSTILE_BIG_MB` (the single-line file indexed under a larger
/// `--max-file-size`, default 12; the script 50).
final class HostileCorpusTests: XCTestCase {
    var workspace: Workspace!

    override func setUpWithError() throws {
        workspace = try Workspace()
    }

    override func tearDown() {
        workspace = nil
        super.tearDown()
    }

    static let environment = ProcessInfo.processInfo.environment

    /// A single line of French text, `megabytes` long.
    static func singleLine(megabytes: Int) -> Data {
        let sentence = "la croissance économique ralentit dans la zone euro selon la banque centrale européenne ; "
        let count = megabytes * 1_048_576 / sentence.utf8.count + 1
        var data = Data(capacity: count * sentence.utf8.count + 32)
        data.append(contentsOf: Array("Une ligne interminable ".utf8))
        let unit = Array(sentence.utf8)
        for _ in 0..<count { data.append(contentsOf: unit) }
        return data
    }

    /// Creates a file whose name is raw bytes (not necessarily UTF-8).
    func createFile(in folder: URL, nameBytes: [UInt8], contents: String) throws {
        let path = (Array(folder.path.utf8) + [0x2F] + nameBytes + [0]).map { CChar(bitPattern: $0) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        XCTAssertEqual(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, bytes.count)
    }

    static func utf16(_ text: String, littleEndian: Bool) -> Data {
        var data = Data(littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF])
        for unit in text.utf16 {
            data.append(contentsOf: littleEndian ? [UInt8(unit & 0xFF), UInt8(unit >> 8)] : [UInt8(unit >> 8), UInt8(unit & 0xFF)])
        }
        return data
    }

    func testABadCorpusFinishesWithEveryFileNamedAndStatusOne() throws {
        let articles = workspace.articles
        try workspace.write("bon.txt", "Le prix du café s'envole\nLa tonne d'arabica dépasse les 4 000 dollars.\nLes torréfacteurs s'inquiètent.")
        try workspace.write("abime.txt", Data(Array("Crue de la Seine\nLe zouave du pont de l".utf8) + [0xE2, 0x80, 0xFF]
                                              + Array("Alma a les pieds dans l’eau.".utf8)))
        try workspace.write("latin1.txt", Data(Array("Fen".utf8) + [0xEA] + Array("tre sur la baie\nLe phare de l".utf8) + [0x92, 0xEE]
                                               + Array("le est restaur".utf8) + [0xE9, 0x2E]))
        try workspace.write("utf16le.txt", Self.utf16("Grève des contrôleurs aériens\nOrly annule un vol sur deux.", littleEndian: true))
        try workspace.write("utf16be.txt", Self.utf16("Marée noire en Bretagne\nLe pétrolier échoué fuit toujours.", littleEndian: false))
        try workspace.write("nul.txt", Data(Array("Titre\nUn texte ".utf8) + [0, 0, 0] + Array("coupé de zéros.".utf8)))
        try workspace.write("vide.txt", "")
        try workspace.write("photo.jpg", Data([0xFF, 0xD8, 0xFF, 0xE0]))
        let started = Date()
        try workspace.write("ligne-50mo.txt", Self.singleLine(megabytes: 50))
        let writing = Date().timeIntervalSince(started)
        try createFile(in: articles, nameBytes: Array("avec\nretour.txt".utf8), contents: "Retour\nLe lynx du Jura.")
        // A name that would clear the terminal and ring its bell, were it printed as is.
        try createFile(in: articles, nameBytes: Array("\u{1B}[2J\u{7}efface.txt".utf8), contents: "Effacé\nLe lynx.")
        try createFile(in: articles, nameBytes: Array("r".utf8) + [0xE9, 0xFF] + Array("sum.txt".utf8), contents: "Résumé\nLe lynx.")
        // 200 folders deep, an article at the bottom.
        let deep = (0..<200).map { "n\($0)" }.joined(separator: "/")
        try workspace.write(deep + "/profond.txt", "Au fond du puits\nUne grotte de deux cents niveaux explorée par des spéléologues.")
        // A link to the folder itself: a loop when links are followed.
        try FileManager.default.createSymbolicLink(atPath: articles.path + "/boucle", withDestinationPath: articles.path)

        let ingest = try FouilleProcess.run(["ingest", "--index", workspace.index, articles.path])
        XCTAssertEqual(ingest.status, 1, "a failed file makes the status 1: \(ingest.stderr)")
        XCTAssertTrue(ingest.stdout.hasPrefix("added=6 updated=0 unchanged=0 removed=0 skipped=6 failed=2 in "), ingest.stdout)
        let root = articles.path
        for (file, reason) in [
            ("abime.txt", "invalid UTF-8: 2 bad byte sequence(s) replaced by U+FFFD"),
            ("latin1.txt", "not UTF-8: read as Windows-1252"),
            ("utf16le.txt", "UTF-16 (little-endian) transcoded"),
            ("utf16be.txt", "UTF-16 (big-endian) transcoded"),
            ("nul.txt", "binary content (NUL bytes), not indexed"),
            ("vide.txt", "empty file, skipped"),
            ("ligne-50mo.txt", "larger than the 10 MB size limit (50 MB), skipped"),
            ("avec\\nretour.txt", "file name holds control characters, skipped"),
            ("\\u{1B}[2J\\u{07}efface.txt", "file name holds control characters, skipped"),
        ] {
            XCTAssertTrue(ingest.stderr.contains("\(root)/\(file): \(reason)"), "\(file): \(ingest.stderr)")
        }
        XCTAssertTrue(ingest.stderr.contains("sum.txt: file name is not valid UTF-8, skipped"), ingest.stderr)
        // One line per message: no file name breaks a line or reaches the terminal raw.
        XCTAssertFalse(ingest.stderr.contains("\u{1B}"), ingest.stderr)
        XCTAssertTrue(ingest.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("fouille: ") }, ingest.stderr)

        func found(_ query: String, index: String? = nil) throws -> [String] {
            let search = try FouilleProcess.run(["search", "--index", index ?? workspace.index, "--format", "tsv", query])
            XCTAssertEqual(search.status, 0, search.stderr)
            return search.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[3]) }.sorted()
        }
        XCTAssertEqual(try found("zouave"), ["abime.txt"])
        XCTAssertEqual(try found("phare"), ["latin1.txt"])
        XCTAssertEqual(try found("contrôleurs"), ["utf16le.txt"])
        XCTAssertEqual(try found("pétrolier"), ["utf16be.txt"])
        XCTAssertEqual(try found("spéléologues"), [deep + "/profond.txt"])
        XCTAssertEqual(try found("lynx"), [], "badly named files are not indexed")
        XCTAssertEqual(try found("croissance"), [], "the 50 MB file is refused")

        // Following links: the loop is walked once and named.
        let followingIndex = workspace.root.appendingPathComponent("index-follow").path
        let following = try FouilleProcess.run(["ingest", "--follow-symlinks", "--index", followingIndex, articles.path])
        XCTAssertEqual(following.status, 1)
        XCTAssertTrue(following.stdout.hasPrefix("added=6 updated=0 unchanged=0 removed=0 skipped=6 failed=2 in "), following.stdout)
        XCTAssertTrue(following.stderr.contains("\(root)/boucle: folder already walked (symbolic link loop), skipped"), following.stderr)
        XCTAssertEqual(try found("spéléologues", index: followingIndex), [deep + "/profond.txt"])

        // Nothing bad is remembered, so a second run says the same and changes nothing.
        let again = try FouilleProcess.run(["ingest", "--index", workspace.index, articles.path])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stdout.hasPrefix("added=0 updated=0 unchanged=6 removed=0 skipped=6 failed=2 in "), again.stdout)
        print("hostile corpus: 50 MB line written in \(String(format: "%.2f", writing)) s; ingest runs took \(ingest.stdout.split(separator: " ").suffix(4).joined(separator: " ").trimmingCharacters(in: .newlines))")
    }

    /// A single-line file larger than the default limit, accepted with a
    /// larger `--max-file-size`: indexed whole, searchable, in bounded time
    /// and memory (measured as the child's peak resident set).
    func testAHugeSingleLineFileUnderALargerLimitIsIndexedInBoundedTimeAndMemory() throws {
        let megabytes = Self.environment["FOUILLE_HOSTILE_BIG_MB"].flatMap { Int($0) } ?? 12
        try workspace.write("normal.txt", "Le cours de l'or recule\nLes investisseurs se tournent vers le dollar.")
        try workspace.write("ligne.txt", Self.singleLine(megabytes: megabytes))

        let refused = try FouilleProcess.run(["ingest", "--index", workspace.index, "--max-file-size", String(megabytes - 1), workspace.articles.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("ligne.txt: larger than the \(megabytes - 1) MB size limit"), refused.stderr)

        let started = Date()
        let ingest = try FouilleProcess.run(["ingest", "--index", workspace.index, "--max-file-size", String(megabytes + 10), workspace.articles.path])
        let seconds = Date().timeIntervalSince(started)
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        let peakMB = Double(usage.ru_maxrss) / 1024
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
        XCTAssertTrue(ingest.stdout.hasPrefix("added=1 updated=0 unchanged=1 removed=0 skipped=0 failed=0 in "), ingest.stdout)
        let count = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "\"banque centrale européenne\""])
        XCTAssertTrue(count.stdout.contains("ligne.txt\tUne ligne interminable la croissance"), count.stdout)
        print("huge line: \(megabytes) MB single line indexed in \(String(format: "%.1f", seconds)) s, peak RSS of any child so far \(Int(peakMB)) MB")
        XCTAssertLessThan(peakMB, Double(megabytes) * 40 + 400, "memory stays proportionate to the file")
    }

    /// Many tiny files: all indexed, in batches; a second run reads none.
    func testManyTinyFiles() throws {
        let files = Self.environment["FOUILLE_HOSTILE_FILES"].flatMap { Int($0) } ?? 5_000
        let words = ["renard", "blaireau", "hérisson", "chevreuil", "sanglier", "loutre", "castor", "lynx"]
        let writing = Date()
        for i in 0..<files {
            // POSIX calls: Foundation's Data.write is several times slower here.
            let folder = workspace.articles.appendingPathComponent("d\(i / 1000)").path
            if i % 1000 == 0 { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            let fd = open(folder + "/f\(i).txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            XCTAssertGreaterThanOrEqual(fd, 0)
            let bytes = Array("Brève \(i)\nUn \(words[i % words.count]) vu à \(i % 97) km.".utf8)
            XCTAssertEqual(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, bytes.count)
            close(fd)
        }
        let wrote = Date().timeIntervalSince(writing)
        let started = Date()
        let ingest = try FouilleProcess.run(["ingest", "--index", workspace.index, workspace.articles.path])
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
        XCTAssertTrue(ingest.stdout.hasPrefix("added=\(files) updated=0 unchanged=0 removed=0 skipped=0 failed=0 in "), ingest.stdout)
        let againStarted = Date()
        let again = try FouilleProcess.run(["ingest", "--index", workspace.index, workspace.articles.path])
        let againSeconds = Date().timeIntervalSince(againStarted)
        XCTAssertTrue(again.stdout.hasPrefix("added=0 updated=0 unchanged=\(files) "), again.stdout)
        let count = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "--limit", "1", "renard"])
        XCTAssertEqual(count.status, 0)
        XCTAssertFalse(count.stdout.isEmpty)
        print("tiny files: \(files) written in \(String(format: "%.1f", wrote)) s, ingested in \(String(format: "%.1f", seconds)) s (\(Int(Double(files) / seconds)) files/s), unchanged re-run \(String(format: "%.1f", againSeconds)) s")
    }
}
