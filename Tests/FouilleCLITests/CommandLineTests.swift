import FouilleIndex
import Foundation
import XCTest

/// The built `fouille` binary on a real index: output formats, exit statuses, help.
final class CommandLineTests: XCTestCase {
    var workspace: Workspace!

    /// XCTest keeps every test case object until the run ends: drop the
    /// workspace here so that its folder goes with it.
    override func tearDown() {
        workspace = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        workspace = try Workspace()
        try workspace.write("2025/08/poutine-kim.txt", """
            Vladimir Poutine et Kim Jong-un veulent renforcer la coopération
            Les deux dirigeants se sont parlé mardi.
            La Russie et la Corée du Nord renforcent leur partenariat.
            À regarder
            Tempête Benjamin : sauvetage en pleine mer
            """)
        try workspace.write("2025/07/meteo.txt", """
            Canicule : la Corée du Sud étouffe
            Des températures records à Séoul.
            Les autorités recommandent de rester à l’abri.
            """)
    }

    func testHelpListsTheSubcommandsAndTheirOptions() throws {
        let root = try FouilleProcess.run(["--help"])
        XCTAssertEqual(root.status, 0)
        XCTAssertTrue(root.stdout.contains("ingest"))
        XCTAssertTrue(root.stdout.contains("search"))
        let ingest = try FouilleProcess.run(["ingest", "--help"])
        for option in ["--index", "--prune", "--follow-symlinks", "--max-file-size", "--markers", "--quiet"] {
            XCTAssertTrue(ingest.stdout.contains(option), option)
        }
        let search = try FouilleProcess.run(["search", "--help"])
        for option in ["--index", "--limit", "--offset", "--format"] {
            XCTAssertTrue(search.stdout.contains(option), option)
        }
    }

    func testIngestThenSearchInEveryFormat() throws {
        let ingest = try FouilleProcess.run(["ingest", "--index", workspace.index, workspace.articles.path])
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
        XCTAssertTrue(ingest.stdout.hasPrefix("added=2 updated=0 unchanged=0 removed=0 skipped=0 failed=0 in "), ingest.stdout)

        let tsv = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "corée", "du", "nord"])
        XCTAssertEqual(tsv.status, 0, tsv.stderr)
        let lines = tsv.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0].count, 6)
        XCTAssertEqual(lines[0][0], "HIT")
        XCTAssertEqual(lines[0][1], "1")
        XCTAssertEqual(lines[0][3], "2025/08/poutine-kim.txt")
        XCTAssertEqual(lines[0][4], "Vladimir Poutine et Kim Jong-un veulent renforcer la coopération")
        XCTAssertTrue(lines[0][5].contains("[Corée du Nord]") || lines[0][5].contains("[Corée] du [Nord]"), String(lines[0][5]))
        XCTAssertEqual(lines[1][3], "2025/07/meteo.txt", "the page with only 'Corée' follows")
        XCTAssertGreaterThan(Double(lines[0][2])!, Double(lines[1][2])!)
        XCTAssertFalse(tsv.stdout.contains("Tempête"), "boilerplate is not indexed")

        let json = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "json", "--limit", "1", "coree"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["rank"] as? Int, 1)
        XCTAssertNotNil(object?["id"] as? String)
        XCTAssertNotNil(object?["matches"] as? [String])

        let text = try FouilleProcess.run(["search", "--index", workspace.index, "séoul"])
        XCTAssertTrue(text.stdout.contains("1. Canicule : la Corée du Sud étouffe"), text.stdout)
        XCTAssertTrue(text.stdout.contains("1–1 of 1 documents"), text.stdout)

        let misspelt = try FouilleProcess.run(["search", "--index", workspace.index, "temperatrues"])
        XCTAssertTrue(misspelt.stdout.contains("1. Canicule : la Corée du Sud étouffe"), misspelt.stdout)
        XCTAssertTrue(misspelt.stdout.contains("Also matched as typos: temperatrues → temperatures"), misspelt.stdout)

        let none = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "le", "la", "les"])
        XCTAssertEqual(none.status, 0)
        XCTAssertEqual(none.stdout, "")

        let paged = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "--offset", "1", "corée"])
        XCTAssertTrue(paged.stdout.hasPrefix("HIT\t2\t"), paged.stdout)
    }

    /// A finished ingest or rebuild leaves one self-contained SQLite file:
    /// the WAL written back and removed, and a rebuilt generation compacted.
    func testWritersLeaveOnlyTheGenerationFile() throws {
        let ingest = try FouilleProcess.run(["ingest", "--quiet", "--index", workspace.index, workspace.articles.path])
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace.index).sorted(),
                       ["CURRENT", "LOCK", "gen-000001.sqlite"])
        let rebuild = try FouilleProcess.run(["rebuild", "--quiet", "--index", workspace.index])
        XCTAssertEqual(rebuild.status, 0, rebuild.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: workspace.index).sorted(),
                       ["CURRENT", "LOCK", "gen-000002.sqlite"])
        let help = try FouilleProcess.run(["rebuild", "--help"])
        for option in ["--index", "--wait", "--quiet", "--allow-shrink", "--markers"] {
            XCTAssertTrue(help.stdout.contains(option), option)
        }
    }

    func testEnvironmentNamesTheIndex() throws {
        XCTAssertEqual(try FouilleProcess.run(["ingest", "--quiet", workspace.articles.path], environment: ["FOUILLE_INDEX": workspace.index]).status, 0)
        let search = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "séoul"])
        XCTAssertTrue(search.stdout.contains("2025/07/meteo.txt"))
    }

    func testQuietPrintsNothingWhenAllWentWell() throws {
        let quiet = try FouilleProcess.run(["ingest", "--quiet", "--index", workspace.index, workspace.articles.path])
        XCTAssertEqual(quiet.status, 0)
        XCTAssertEqual(quiet.stdout, "")
        XCTAssertEqual(quiet.stderr, "")
    }

    func testBadFilesAreNamedAndTheStatusSaysSo() throws {
        try workspace.write("binaire.txt", Data([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x14, 0x00]))
        try workspace.write("ancien.txt", Data([0x43, 0x61, 0x66, 0xE9, 0x0A, 0x63, 0x72, 0xE8, 0x6D, 0x65, 0x0A]))
        try workspace.write("photo.jpg", Data([0xFF, 0xD8, 0xFF]))
        let ingest = try FouilleProcess.run(["ingest", "--index", workspace.index, workspace.articles.path])
        XCTAssertEqual(ingest.status, 1)
        XCTAssertTrue(ingest.stdout.hasPrefix("added=3 updated=0 unchanged=0 removed=0 skipped=1 failed=1"), ingest.stdout)
        XCTAssertTrue(ingest.stderr.contains("binaire.txt: binary content"), ingest.stderr)
        XCTAssertTrue(ingest.stderr.contains("ancien.txt: not UTF-8"), ingest.stderr)
        let cafe = try FouilleProcess.run(["search", "--index", workspace.index, "--format", "tsv", "café"])
        XCTAssertTrue(cafe.stdout.contains("ancien.txt\tCafé\t"), cafe.stdout)
    }

    func testFatalErrorsAndUsageErrorsExitTwo() throws {
        let missing = try FouilleProcess.run(["search", "--index", workspace.root.appendingPathComponent("none").path, "x"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no index at"), missing.stderr)
        XCTAssertEqual(missing.stdout, "")

        let notFolder = try FouilleProcess.run(["ingest", "--index", workspace.index, workspace.root.appendingPathComponent("nowhere").path])
        XCTAssertEqual(notFolder.status, 2)
        XCTAssertTrue(notFolder.stderr.contains("is not a folder"), notFolder.stderr)

        XCTAssertEqual(try FouilleProcess.run(["search", "--index", workspace.index]).status, 2)
        XCTAssertEqual(try FouilleProcess.run(["search", "--limit", "0", "x"]).status, 2)
        let noDaemon = try FouilleProcess.run(["search", "--socket", workspace.root.appendingPathComponent("none.sock").path, "x"])
        XCTAssertEqual(noDaemon.status, 2)
        XCTAssertTrue(noDaemon.stderr.contains("cannot connect to"), noDaemon.stderr)
        XCTAssertTrue(noDaemon.stderr.contains("(no such file): is 'fouille serve' running?"), noDaemon.stderr)
        XCTAssertEqual(try FouilleProcess.run(["frobnicate"]).status, 2)
    }

    /// A run killed with SIGKILL keeps every committed batch and a valid index;
    /// the next run completes the work.
    func testAKilledIngestLeavesAValidIndexAndARerunCompletesIt() throws {
        let count = 3000 + 2  // and the two articles of setUp
        let paragraph = String(repeating: "Les pêcheurs bretons réclament des quotas plus justes pour la saison d’hiver. ", count: 20)
        for i in 0..<(count - 2) {
            try workspace.write(String(format: "lot%02d/article-%05d.txt", i / 100, i), "Article \(i)\nChapeau \(i)\n\(paragraph)\nNuméro \(i).\n")
        }
        let (process, _, _) = try FouilleProcess.start(["ingest", "--batch-files", "50", "--index", workspace.index, workspace.articles.path])
        let location = IndexLocation(path: workspace.index)
        let deadline = Date().addingTimeInterval(60)
        var committed = 0
        while Date() < deadline, process.isRunning {
            if let index = try? SearchIndex.open(location, readOnly: true), let n = try? index.documentCount() {
                committed = n
                try? index.close()
                if n >= 200 { break }
            }
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the ingest finished before it could be killed")
        XCTAssertGreaterThanOrEqual(committed, 200)

        let afterKill = try SearchIndex.open(location)
        XCTAssertNoThrow(try afterKill.integrityCheck())
        let kept = try afterKill.documentCount()
        XCTAssertEqual(kept % 50, 0, "whole batches only")
        XCTAssertLessThan(kept, count)
        try afterKill.close()

        let rerun = try FouilleProcess.run(["ingest", "--index", workspace.index, workspace.articles.path])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.hasPrefix("added=\(count - kept) updated=0 unchanged=\(kept) "), rerun.stdout)
        let complete = try SearchIndex.open(location)
        XCTAssertEqual(try complete.documentCount(), count)
        XCTAssertNoThrow(try complete.integrityCheck())
        XCTAssertEqual(try complete.search("numéro 2999").hits.first?.id, "lot29/article-02999.txt")
    }
}
