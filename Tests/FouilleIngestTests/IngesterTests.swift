@testable import FouilleIndex
@testable import FouilleIngest
import Foundation
import Logging
import XCTest

/// Ingests folders written by each test into a real index in the test's own
/// temporary folder.
final class IngesterTests: XCTestCase {
    var folder: TemporaryFolder!
    var log: LogRecorder!
    var index: SearchIndex!
    /// The articles folder, as written.
    var root: String { folder.path + "/articles" }
    /// The articles folder as the index records it: absolute, links resolved.
    var source: String { Self.realPath(root) }

    override func setUpWithError() throws {
        folder = try TemporaryFolder(self)
        try folder.folder("articles")
        log = LogRecorder()
        index = try openIndex("index")
        addTeardownBlock { [index] in try index?.close() }
    }

    func openIndex(_ name: String) throws -> SearchIndex {
        try SearchIndex.open(IndexLocation(path: folder.path + "/" + name), creating: true)
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    @discardableResult
    func ingest(_ folders: [String]? = nil, into index: SearchIndex? = nil,
                _ configure: (inout IngestOptions) -> Void = { _ in }) throws -> IngestSummary {
        var options = IngestOptions()
        configure(&options)
        return try Ingester(index: index ?? self.index, options: options, logger: log.logger).run(folders ?? [root])
    }

    @discardableResult
    func write(_ relative: String, _ text: String, mtime: Int = 1_700_000_000) throws -> String {
        try folder.write(text, to: "articles/" + relative, mtime: mtime)
    }

    func summary(added: Int = 0, updated: Int = 0, unchanged: Int = 0, removed: Int = 0,
                 skipped: Int = 0, failed: Int = 0) -> String {
        var summary = IngestSummary()
        (summary.added, summary.updated, summary.unchanged) = (added, updated, unchanged)
        (summary.removed, summary.skipped, summary.failed) = (removed, skipped, failed)
        return summary.counts
    }

    /// Ids of the documents `query` finds, best first.
    func found(_ query: String, in index: SearchIndex? = nil) throws -> [String] {
        try (index ?? self.index).search(query, limit: 100).hits.map(\.id)
    }

    /// Runs FTS5's own check of the full-text index against the documents
    /// table, on the index's connection (which knows the `french` tokenizer).
    func assertFullTextIntegrity(_ index: SearchIndex? = nil, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNoThrow(
            try (index ?? self.index).write { writer in
                try writer.db.execute(sql: "INSERT INTO documents_fts(documents_fts) VALUES('integrity-check')")
                try writer.db.execute(sql: "INSERT INTO documents_fts(documents_fts, rank) VALUES('integrity-check', 1)")
            }, file: file, line: line)
    }

    // MARK: - Fixtures: articles of our own

    static let senat = """
        Le Sénat adopte la loi sur l'hippopotame du zoo de Vincennes
        Les sénateurs ont voté à une large majorité un texte protégeant les grands mammifères captifs.

        Le rapporteur a défendu un amendement sur la taille des bassins.
        Les associations saluent « une avancée historique ».
        """
    static let tombouctou = """
        Tombouctou : les manuscrits anciens numérisés
        Une équipe malienne a achevé la numérisation de trente mille manuscrits.
        Le projet, financé par l'Unesco, aura duré sept ans.
        """
    static let zeppelin = """
        Un zeppelin survole la baie de Somme
        Le dirigeable touristique a effectué son premier vol commercial samedi.
        Les passagers ont pu observer les phoques depuis la nacelle.
        À regarder
        Vidéo. Les phoques du Crotoy filmés par un drone
        Commentaires
        Connectez-vous pour réagir
        """

    func writeThreeArticles() throws {
        try write("politique/senat.txt", Self.senat)
        try write("monde/afrique/tombouctou.txt", Self.tombouctou)
        try write("regions/zeppelin.txt", Self.zeppelin)
    }

    // MARK: - First and second runs

    func testFirstRunAddsEveryArticle() throws {
        try writeThreeArticles()
        try write("regions/photo.jpg", "JPEG")

        let result = try ingest()
        XCTAssertEqual(result.counts, summary(added: 3, skipped: 1))
        XCTAssertEqual(try index.documentCount(), 3)
        XCTAssertGreaterThan(result.bytes, 0)
        XCTAssertEqual(result.bytes, Int64((Self.senat + Self.tombouctou + Self.zeppelin).utf8.count))
        XCTAssertGreaterThanOrEqual(result.seconds, 0)

        XCTAssertEqual(try found("hippopotame"), ["politique/senat.txt"])
        XCTAssertEqual(try found("manuscrits"), ["monde/afrique/tombouctou.txt"])
        XCTAssertEqual(try found("zeppelin"), ["regions/zeppelin.txt"])
        // The boilerplate after "À regarder" is not indexed.
        XCTAssertEqual(try found("drone"), [])
        XCTAssertEqual(try found("Connectez-vous"), [])
        XCTAssertTrue(log.messages(at: .error).isEmpty, "\(log.entries)")
        XCTAssertTrue(log.messages(at: .warning).isEmpty, "\(log.entries)")
        assertFullTextIntegrity()
    }

    func testDocumentIDsSourceAndStoredText() throws {
        try writeThreeArticles()
        try ingest()

        let document = try XCTUnwrap(index.document(id: "politique/senat.txt"))
        XCTAssertEqual(document.id, "politique/senat.txt")
        XCTAssertEqual(document.source, source)
        XCTAssertTrue(document.source.hasPrefix("/"))
        XCTAssertEqual(document.title, "Le Sénat adopte la loi sur l'hippopotame du zoo de Vincennes")
        XCTAssertEqual(document.lead, "Les sénateurs ont voté à une large majorité un texte protégeant les grands mammifères captifs.")
        XCTAssertEqual(document.body, "Le rapporteur a défendu un amendement sur la taille des bassins.\nLes associations saluent « une avancée historique ».")
        XCTAssertEqual(document.file.size, Int64(Self.senat.utf8.count))
        XCTAssertEqual(document.file.mtime, 1_700_000_000)
        XCTAssertEqual(document.file.hash, ContentHash.of(Array(Self.senat.utf8)))

        let zeppelin = try XCTUnwrap(index.document(id: "regions/zeppelin.txt"))
        XCTAssertEqual(zeppelin.body, "Les passagers ont pu observer les phoques depuis la nacelle.")

        XCTAssertEqual(Set(try index.fileStates(source: source).keys),
                       ["politique/senat.txt", "monde/afrique/tombouctou.txt", "regions/zeppelin.txt"])
        XCTAssertEqual(try index.sources(), [source])
        XCTAssertNil(try index.document(id: "senat.txt"))
        XCTAssertNil(try index.document(id: root + "/politique/senat.txt"))
    }

    func testFolderSpelledDifferentlyIsTheSameSource() throws {
        try writeThreeArticles()
        try ingest([root + "/"])
        XCTAssertEqual(try index.sources(), [source])
        // Same folder through "..", "." and a symbolic link: nothing to do.
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/raccourci", withDestinationPath: root)
        for spelling in [root + "/politique/../", root + "/./", folder.path + "/raccourci"] {
            XCTAssertEqual(try ingest([spelling]).counts, summary(unchanged: 3), spelling)
        }
        XCTAssertEqual(try index.sources(), [source])
        XCTAssertEqual(try index.document(id: "regions/zeppelin.txt")?.source, source)
    }

    func testRelativeFolderIsRecordedAbsolute() throws {
        try writeThreeArticles()
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(folder.path))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        XCTAssertEqual(try ingest(["articles"]).counts, summary(added: 3))
        XCTAssertEqual(try index.document(id: "politique/senat.txt")?.source, source)
    }

    func testSecondRunFindsEverythingUnchangedAndReadsNothing() throws {
        try writeThreeArticles()
        try ingest()
        let before = try index.document(id: "politique/senat.txt")

        let second = try ingest()
        XCTAssertEqual(second.counts, summary(unchanged: 3))
        XCTAssertEqual(second.bytes, 0, "an unchanged file is not read again")
        XCTAssertEqual(try index.document(id: "politique/senat.txt"), before)
        XCTAssertEqual(try index.documentCount(), 3)
    }

    func testUnchangedFileIsNotOpened() throws {
        try XCTSkipIf(getuid() == 0, "root can read a file whatever its mode")
        try writeThreeArticles()
        try ingest()
        // Were it opened, it would fail: unchanged size and mtime are enough.
        XCTAssertEqual(chmod(root + "/politique/senat.txt", 0o000), 0)
        XCTAssertEqual(try ingest().counts, summary(unchanged: 3))
        XCTAssertTrue(log.messages(at: .error).isEmpty, "\(log.entries)")
    }

    // MARK: - Changes

    func testModifiedFileIsUpdated() throws {
        try writeThreeArticles()
        try ingest()

        try write("politique/senat.txt", """
            L'Assemblée rejette la loi sur les ornithorynques
            Les députés ont repoussé le texte en deuxième lecture.
            Le gouvernement envisage une commission mixte paritaire.
            """, mtime: 1_700_000_100)
        let result = try ingest()
        XCTAssertEqual(result.counts, summary(updated: 1, unchanged: 2))
        XCTAssertEqual(try index.documentCount(), 3)
        XCTAssertEqual(try found("ornithorynques"), ["politique/senat.txt"])
        XCTAssertEqual(try found("paritaire"), ["politique/senat.txt"])
        XCTAssertEqual(try found("hippopotame"), [], "the old text is gone from the full-text index")
        XCTAssertEqual(try found("Vincennes"), [])
        let document = try XCTUnwrap(index.document(id: "politique/senat.txt"))
        XCTAssertEqual(document.title, "L'Assemblée rejette la loi sur les ornithorynques")
        XCTAssertEqual(document.file.mtime, 1_700_000_100)
        XCTAssertEqual(try ingest().counts, summary(unchanged: 3))
        assertFullTextIntegrity()
    }

    func testSameSizeNewBytesNewMtimeIsUpdated() throws {
        try write("breve.txt", "Alerte\nUn kangourou en fuite à Lyon.")
        try ingest()
        // Same length, other words.
        try write("breve.txt", "Alerte\nUn wallaby!! en fuite à Lyon.", mtime: 1_700_000_001)
        XCTAssertEqual(try ingest().counts, summary(updated: 1))
        XCTAssertEqual(try found("kangourou"), [])
        XCTAssertEqual(try found("wallaby"), ["breve.txt"])
    }

    func testTouchedFileWithTheSameBytesIsUnchanged() throws {
        try writeThreeArticles()
        try ingest()
        let before = try XCTUnwrap(index.document(id: "monde/afrique/tombouctou.txt"))

        try setModificationTime(root + "/monde/afrique/tombouctou.txt", seconds: 1_800_000_000, nanoseconds: 5)
        let touched = try ingest()
        XCTAssertEqual(touched.counts, summary(unchanged: 3))
        XCTAssertEqual(touched.bytes, Int64(Self.tombouctou.utf8.count), "read once, to compare its bytes")

        let after = try XCTUnwrap(index.document(id: "monde/afrique/tombouctou.txt"))
        XCTAssertEqual(after.title, before.title)
        XCTAssertEqual(after.lead, before.lead)
        XCTAssertEqual(after.body, before.body)
        XCTAssertEqual(after.file.hash, before.file.hash)
        XCTAssertEqual(after.file.mtime, 1_800_000_000.000000005, accuracy: 1e-6)
        XCTAssertEqual(try found("manuscrits"), ["monde/afrique/tombouctou.txt"])

        // The new mtime was recorded: the next run does not read it again.
        let third = try ingest()
        XCTAssertEqual(third.counts, summary(unchanged: 3))
        XCTAssertEqual(third.bytes, 0)
        assertFullTextIntegrity()
    }

    func testNewFileAddedToAnIngestedFolder() throws {
        try writeThreeArticles()
        try ingest()
        try write("sport/tour.txt", "Le Tour de France part de Florence\nPremière étape italienne de l'histoire.")
        XCTAssertEqual(try ingest().counts, summary(added: 1, unchanged: 3))
        XCTAssertEqual(try found("Florence"), ["sport/tour.txt"])
    }

    // MARK: - Prune

    func testDeletedFilesStayWithoutPrune() throws {
        try writeThreeArticles()
        try ingest()
        try FileManager.default.removeItem(atPath: root + "/regions/zeppelin.txt")

        XCTAssertEqual(try ingest().counts, summary(unchanged: 2))
        XCTAssertEqual(try index.documentCount(), 3)
        XCTAssertEqual(try found("zeppelin"), ["regions/zeppelin.txt"])
    }

    func testPruneRemovesDocumentsWhoseFilesAreGone() throws {
        try writeThreeArticles()
        try ingest()
        try FileManager.default.removeItem(atPath: root + "/regions/zeppelin.txt")
        try FileManager.default.removeItem(atPath: root + "/monde")

        XCTAssertEqual(try ingest { $0.prune = true }.counts, summary(unchanged: 1, removed: 2))
        XCTAssertEqual(try index.documentCount(), 1)
        XCTAssertNil(try index.document(id: "regions/zeppelin.txt"))
        XCTAssertNil(try index.document(id: "monde/afrique/tombouctou.txt"))
        XCTAssertEqual(try found("zeppelin"), [])
        XCTAssertEqual(try found("manuscrits"), [])
        XCTAssertEqual(try found("hippopotame"), ["politique/senat.txt"])
        XCTAssertEqual(try ingest { $0.prune = true }.counts, summary(unchanged: 1))
        assertFullTextIntegrity()
    }

    func testPruneOfAnEmptiedFolder() throws {
        try writeThreeArticles()
        try ingest()
        for name in ["politique", "monde", "regions"] { try FileManager.default.removeItem(atPath: root + "/" + name) }
        XCTAssertEqual(try ingest { $0.prune = true }.counts, summary(removed: 3))
        XCTAssertEqual(try index.documentCount(), 0)
        XCTAssertEqual(try index.search("hippopotame").total, 0)
        assertFullTextIntegrity()
    }

    func testPruneInSmallBatches() throws {
        for i in 0..<7 { try write("depeche-\(i).txt", "Dépêche numéro \(i)\nUn marmotton est né au zoo.") }
        try ingest()
        for i in 0..<5 { try FileManager.default.removeItem(atPath: root + "/depeche-\(i).txt") }
        XCTAssertEqual(try ingest { $0.prune = true; $0.batchFiles = 2 }.counts, summary(unchanged: 2, removed: 5))
        XCTAssertEqual(try index.documentCount(), 2)
        XCTAssertEqual(try found("marmotton"), ["depeche-5.txt", "depeche-6.txt"].sorted())
    }

    func testPruneWithBatchesOfZeroOrLessStillRemoves() throws {
        for i in 0..<3 { try write("depeche-\(i).txt", "Dépêche numéro \(i)\nUn marmotton est né au zoo.") }
        try ingest()
        try FileManager.default.removeItem(atPath: root + "/depeche-0.txt")
        XCTAssertEqual(try ingest { $0.prune = true; $0.batchFiles = 0 }.counts, summary(unchanged: 2, removed: 1))
        try FileManager.default.removeItem(atPath: root + "/depeche-1.txt")
        XCTAssertEqual(try ingest { $0.prune = true; $0.batchFiles = -1 }.counts, summary(unchanged: 1, removed: 1))
        XCTAssertEqual(try found("marmotton"), ["depeche-2.txt"])
    }

    func testPruneKeepsTheDocumentsOfOtherFolders() throws {
        try writeThreeArticles()
        try folder.write("Brest accueille les grands voiliers\nLe port attend un million de visiteurs.", to: "autre/brest.txt")
        let other = folder.path + "/autre"
        try ingest([root, other])
        try FileManager.default.removeItem(atPath: root + "/regions/zeppelin.txt")

        XCTAssertEqual(try ingest([root]) { $0.prune = true }.counts, summary(unchanged: 2, removed: 1))
        XCTAssertEqual(try found("voiliers"), ["brest.txt"])
        XCTAssertEqual(try index.documentCount(), 3)
    }

    // MARK: - Bad files

    func testBadFilesAreCountedAndNamedWithTheirReason() throws {
        try write("bon.txt", "Le prix du café s'envole\nLa tonne d'arabica dépasse les 4 000 dollars.")
        try folder.write(bytes: Array("Titre\n".utf8) + [0, 1, 2, 0, 0x89, 0x50, 0x4E, 0x47] + Array("fin".utf8),
                         to: "articles/binaire.txt", mtime: 1_700_000_000)
        try write("vide.txt", "")
        try write("blancs.txt", "  \n\t\n\u{00A0}\r\n")
        try write("gros.txt", "Un article trop long\n" + String(repeating: "Les marchés financiers reculent. ", count: 100))
        // Windows-1252: "Le café de la gare rouvre" / "Les habitués reviennent dès l’aube."
        try folder.write(
            bytes: Array("Le caf".utf8) + [0xE9] + Array(" de la gare rouvre\nLes habitu".utf8) + [0xE9]
                + Array("s reviennent d".utf8) + [0xE8] + Array("s l".utf8) + [0x92] + Array("aube.\n".utf8),
            to: "articles/latin1.txt", mtime: 1_700_000_000)
        try write("image.png", "PNG")

        let result = try ingest { $0.maximumFileSize = 1024 }
        XCTAssertEqual(result.counts, summary(added: 2, skipped: 3, failed: 2))
        XCTAssertEqual(try index.documentCount(), 2)

        XCTAssertTrue(log.logged(.error, path: root + "/binaire.txt", reason: "binary content (NUL bytes), not indexed"), "\(log.entries)")
        XCTAssertTrue(log.logged(.error, path: root + "/gros.txt", reason: "size limit"), "\(log.entries)")
        XCTAssertTrue(log.logged(.warning, path: root + "/vide.txt", reason: "empty file"), "\(log.entries)")
        XCTAssertTrue(log.logged(.warning, path: root + "/blancs.txt", reason: "empty file"), "\(log.entries)")
        XCTAssertTrue(log.logged(.warning, path: root + "/latin1.txt", reason: "Windows-1252"), "\(log.entries)")
        XCTAssertEqual(log.messages(at: .error).count, 2, "\(log.entries)")

        // The Latin-1 article is indexed as proper text.
        XCTAssertEqual(try found("café").sorted(), ["bon.txt", "latin1.txt"])
        XCTAssertEqual(try found("habitués"), ["latin1.txt"])
        let latin1 = try XCTUnwrap(index.document(id: "latin1.txt"))
        XCTAssertEqual(latin1.title, "Le café de la gare rouvre")
        XCTAssertEqual(latin1.lead, "Les habitués reviennent dès l’aube.")
        XCTAssertNil(try index.document(id: "binaire.txt"))
        XCTAssertNil(try index.document(id: "gros.txt"))
        XCTAssertNil(try index.document(id: "vide.txt"))

        // Failed and skipped files are tried again next time (they are not remembered).
        let again = try ingest { $0.maximumFileSize = 1024 }
        XCTAssertEqual(again.counts, summary(unchanged: 2, skipped: 3, failed: 2))
        assertFullTextIntegrity()
    }

    func testOtherEncodingsAreIndexedWithAWarning() throws {
        let utf16 = "Grève des contrôleurs aériens\nOrly annule un vol sur deux."
        try folder.write(bytes: [0xFF, 0xFE] + TextDecoderTests.utf16(utf16, littleEndian: true), to: "articles/utf16le.txt", mtime: 1)
        try folder.write(bytes: [0xFE, 0xFF] + TextDecoderTests.utf16("Marée noire\nLe pétrolier échoué.", littleEndian: false),
                         to: "articles/utf16be.txt", mtime: 1)
        try folder.write(bytes: [0xEF, 0xBB, 0xBF] + Array("Éclipse totale\nVisible à Brest.".utf8), to: "articles/bom.txt", mtime: 1)
        try folder.write(bytes: Array("Crue de la Seine\nLe zouave du pont de l".utf8) + [0xE2, 0x80] + Array("Alma a les pieds dans l’eau.".utf8),
                         to: "articles/abime.txt", mtime: 1)

        XCTAssertEqual(try ingest().counts, summary(added: 4))
        XCTAssertTrue(log.logged(.warning, path: root + "/utf16le.txt", reason: "UTF-16 (little-endian)"), "\(log.entries)")
        XCTAssertTrue(log.logged(.warning, path: root + "/utf16be.txt", reason: "UTF-16 (big-endian)"), "\(log.entries)")
        XCTAssertTrue(log.logged(.warning, path: root + "/abime.txt", reason: "replaced by U+FFFD"), "\(log.entries)")
        XCTAssertFalse(log.entries.contains { $0.message.contains("bom.txt") }, "a UTF-8 BOM is no problem")

        XCTAssertEqual(try index.document(id: "utf16le.txt")?.title, "Grève des contrôleurs aériens")
        XCTAssertEqual(try index.document(id: "bom.txt")?.title, "Éclipse totale")
        XCTAssertEqual(try found("contrôleurs"), ["utf16le.txt"])
        XCTAssertEqual(try found("pétrolier"), ["utf16be.txt"])
        XCTAssertEqual(try found("éclipse"), ["bom.txt"])
        XCTAssertEqual(try found("zouave"), ["abime.txt"])
        assertFullTextIntegrity()
    }

    func testFiveMegabyteSingleLineFile() throws {
        let sentence = "la croissance économique ralentit dans la zone euro selon la banque centrale "
        let line = String(repeating: sentence, count: 5 * 1_048_576 / sentence.utf8.count + 1)
        XCTAssertGreaterThan(line.utf8.count, 5 * 1_048_576)
        try write("enorme.txt", line)
        try write("normal.txt", "Le cours de l'or recule\nLes investisseurs se tournent vers le dollar.")

        // Under the default 10 MB limit: indexed; the line is too long to be a
        // title, so the title is its start and the whole line is the body.
        let result = try ingest()
        XCTAssertEqual(result.counts, summary(added: 2))
        let document = try XCTUnwrap(index.document(id: "enorme.txt"))
        XCTAssertTrue(document.title.hasPrefix("la croissance économique ralentit"))
        XCTAssertTrue(document.title.hasSuffix("…"))
        XCTAssertLessThanOrEqual(document.title.utf8.count, 210)
        XCTAssertEqual(document.lead, "")
        XCTAssertEqual(document.body.utf8.count, line.utf8.count - 1, "trimmed of its last space")
        XCTAssertEqual(try index.count("croissance"), 1)
        XCTAssertEqual(try index.count("banque centrale"), 1)
        XCTAssertEqual(try found("investisseurs"), ["normal.txt"])

        // Under a 4 MB limit: refused, named, and the document already indexed stays.
        let refusing = try openIndex("index-4mb")
        defer { try? refusing.close() }
        let refused = try ingest(into: refusing) { $0.maximumFileSize = 4 * 1_048_576 }
        XCTAssertEqual(refused.counts, summary(added: 1, failed: 1))
        XCTAssertTrue(log.logged(.error, path: root + "/enorme.txt", reason: "larger than the 4 MB size limit (5.0 MB)"), "\(log.entries)")
        XCTAssertEqual(try refusing.count("croissance"), 0)
        XCTAssertEqual(try refusing.documentCount(), 1)
    }

    func testFileExactlyAtTheSizeLimitIsRead() throws {
        let text = "Titre\n" + String(repeating: "x", count: 1018)
        XCTAssertEqual(text.utf8.count, 1024)
        try write("limite.txt", text)
        try write("depasse.txt", text + "y")
        XCTAssertEqual(try ingest { $0.maximumFileSize = 1024 }.counts, summary(added: 1, failed: 1))
        XCTAssertNotNil(try index.document(id: "limite.txt"))
    }

    func testUnreadableFileFails() throws {
        try XCTSkipIf(getuid() == 0, "root can read a file whatever its mode")
        try writeThreeArticles()
        XCTAssertEqual(chmod(root + "/regions/zeppelin.txt", 0o000), 0)

        XCTAssertEqual(try ingest().counts, summary(added: 2, failed: 1))
        XCTAssertTrue(log.logged(.error, path: root + "/regions/zeppelin.txt", reason: "permission denied"), "\(log.entries)")
        XCTAssertNil(try index.document(id: "regions/zeppelin.txt"))
    }

    func testFileThatVanishesDuringTheRunFails() throws {
        try write("a-premier.txt", "Premier\nUn pangolin au Jardin des plantes.")
        try write("b-second.txt", "Second\nUn okapi au zoo de Beauval.")
        try write("c-troisieme.txt", "Troisième\nUn tapir à la ménagerie.")
        let path = root + "/c-troisieme.txt"
        var removed = false
        var options = IngestOptions()
        options.batchFiles = 1
        // Progress is reported once the first batch is written, while the
        // second is being read ahead: remove the third file then.
        let ingester = Ingester(index: index, options: options, logger: log.logger) { _ in
            if !removed { removed = (try? FileManager.default.removeItem(atPath: path)) != nil }
        }
        XCTAssertEqual(try ingester.run([root]).counts, summary(added: 2, failed: 1))
        XCTAssertTrue(log.logged(.error, path: path, reason: "vanished"), "\(log.entries)")
        XCTAssertEqual(try found("pangolin"), ["a-premier.txt"])
        XCTAssertEqual(try found("okapi"), ["b-second.txt"])
    }


    func testBadNamesAndLinksAreReportedNotIndexed() throws {
        try write("bon.txt", "Un bon article\nSur le lynx du Jura.")
        let path = try createFile(in: root, nameBytes: Array("r".utf8) + [0xE9] + Array("sum".utf8) + [0xE9] + Array(".txt".utf8),
                                  contents: "Résumé\nLe lynx est de retour.")
        addTeardownBlock { _ = unlink(path) }
        try write("avec\nretour.txt", "Retour\nLe lynx encore.")
        try FileManager.default.createSymbolicLink(atPath: root + "/lien.txt", withDestinationPath: root + "/bon.txt")

        XCTAssertEqual(try ingest().counts, summary(added: 1, skipped: 3))
        XCTAssertTrue(log.messages(at: .warning).contains { $0.hasPrefix(root + "/r") && $0.contains("not valid UTF-8") }, "\(log.entries)")
        XCTAssertTrue(log.logged(.warning, path: root + "/avec\\nretour.txt", reason: "control characters"), "\(log.entries)")
        XCTAssertFalse(log.entries.contains { $0.message.contains("\n") }, "a name cannot break a log line: \(log.entries)")
        XCTAssertEqual(try found("lynx"), ["bon.txt"])
    }

    func testSymbolicLinkLoopWhenFollowing() throws {
        try write("rubrique/article.txt", "Article\nLe castor revient dans la Loire.")
        try FileManager.default.createSymbolicLink(atPath: root + "/rubrique/boucle", withDestinationPath: root)
        try FileManager.default.createSymbolicLink(atPath: root + "/lien.txt", withDestinationPath: root + "/rubrique/article.txt")

        XCTAssertEqual(try ingest().counts, summary(added: 1, skipped: 2))
        let following = try openIndex("index-follow")
        defer { try? following.close() }
        XCTAssertEqual(try ingest(into: following) { $0.followSymlinks = true }.counts, summary(added: 2, skipped: 1))
        XCTAssertEqual(try found("castor", in: following).sorted(), ["lien.txt", "rubrique/article.txt"])
        XCTAssertTrue(log.logged(.warning, path: root + "/rubrique/boucle", reason: "symbolic link loop"), "\(log.entries)")
    }

    // MARK: - Arguments

    func testNotAFolder() throws {
        try writeThreeArticles()
        for path in [root + "/politique/senat.txt", folder.path + "/nulle-part"] {
            XCTAssertThrowsError(try ingest([root, path])) { error in
                guard case IngestError.notAFolder(let named) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(named, path)
                XCTAssertTrue("\(error)".contains(path))
            }
        }
        // Arguments are checked before anything is written.
        XCTAssertEqual(try index.documentCount(), 0)
        XCTAssertEqual(try index.sources(), [])
    }

    func testEmptyFolderIsRecordedAsASource() throws {
        let result = try ingest()
        XCTAssertEqual(result.counts, summary())
        XCTAssertEqual(try index.sources(), [source])
        XCTAssertEqual(try index.documentCount(), 0)
    }

    func testNoFolders() throws {
        XCTAssertEqual(try ingest([]).counts, summary())
    }

    // MARK: - Batches

    func manyArticles() throws {
        for i in 0..<23 {
            let words = ["renard", "blaireau", "hérisson", "chevreuil"]
            try write("lot-\(i / 10)/depeche-\(i).txt", """
                Dépêche \(i) : un \(words[i % 4]) aperçu en forêt
                Le garde forestier numéro \(i) a signalé l'animal.
                Les randonneurs sont priés de rester sur les sentiers.
                """)
        }
        try write("lot-0/vide.txt", "")
        try folder.write(bytes: [0, 0, 0], to: "articles/lot-1/binaire.txt", mtime: 1)
    }

    func testSmallBatchesGiveTheSameResult() throws {
        try manyArticles()
        let whole = try ingest()
        var batchesCommitted = 0
        for (batchFiles, batchBytes) in [(2, Int64(16 * 1_048_576)), (500, Int64(300)), (1, Int64(1))] {
            let other = try openIndex("index-\(batchFiles)-\(batchBytes)")
            defer { try? other.close() }
            var options = IngestOptions()
            options.batchFiles = batchFiles
            options.batchBytes = batchBytes
            let result = try Ingester(index: other, options: options, logger: log.logger).run([root])
            XCTAssertEqual(result.counts, whole.counts)
            XCTAssertEqual(result.counts, summary(added: 23, skipped: 1, failed: 1))
            XCTAssertEqual(result.bytes, whole.bytes)
            XCTAssertEqual(try other.documentCount(), 23)
            for word in ["renard", "blaireau", "hérisson", "chevreuil", "randonneurs"] {
                XCTAssertEqual(try found(word, in: other).sorted(), try found(word).sorted(), word)
            }
            for i in 0..<23 {
                let id = "lot-\(i / 10)/depeche-\(i).txt"
                XCTAssertEqual(try other.document(id: id)?.title, try index.document(id: id)?.title)
            }
            assertFullTextIntegrity(other)
            batchesCommitted += 1
        }
        XCTAssertEqual(batchesCommitted, 3)
        XCTAssertEqual(try found("randonneurs").count, 23)
        XCTAssertEqual(try index.search("randonneurs", limit: 5).total, 23)
    }

    func testChangesInSmallBatches() throws {
        try manyArticles()
        try ingest { $0.batchFiles = 2 }
        for i in [0, 5, 11, 22] {
            try write("lot-\(i / 10)/depeche-\(i).txt", "Dépêche \(i) corrigée\nUn lynx, pas un renard.", mtime: 1_700_000_500)
        }
        for i in [3, 4] { try setModificationTime(root + "/lot-0/depeche-\(i).txt", seconds: 1_700_000_900) }
        XCTAssertEqual(try ingest { $0.batchFiles = 2 }.counts, summary(updated: 4, unchanged: 19, skipped: 1, failed: 1))
        XCTAssertEqual(try found("lynx").sorted(), ["lot-0/depeche-0.txt", "lot-0/depeche-5.txt", "lot-1/depeche-11.txt", "lot-2/depeche-22.txt"])
        assertFullTextIntegrity()
    }

    // MARK: - The whole-file check the first commit waits for

    /// Starts a check on `index` that runs until every file has been written
    /// (or 10 s), then calls `verdict`; returns the ingester that signals it,
    /// and whether the check saw every file written.
    func ingesterWithASlowCheck(_ verdict: @escaping @Sendable () throws -> Void) -> (Ingester, () -> Bool) {
        final class Flag: @unchecked Sendable { var value = false }
        let allWritten = DispatchSemaphore(value: 0), sawAll = Flag()
        index.commitGate.start {
            sawAll.value = allWritten.wait(timeout: .now() + 10) == .success
            try verdict()
        }
        var options = IngestOptions()
        options.batchFiles = 2
        let ingester = Ingester(index: index, options: options, logger: log.logger) { progress in
            if progress.filesDone == progress.filesTotal { allWritten.signal() }
        }
        return (ingester, { sawAll.value })
    }

    func testBatchesWrittenWhileTheCheckRunsJoinTheFirstCommit() throws {
        try manyArticles()
        final class Count: @unchecked Sendable { var value = -1 }
        let committedBeforeVerdict = Count()
        let (ingester, sawAll) = ingesterWithASlowCheck { [index] in
            committedBeforeVerdict.value = try index!.documentCount()
        }
        let result = try ingester.run([root])
        XCTAssertTrue(sawAll(), "the batches after the first were written while the check ran, not after it")
        XCTAssertEqual(committedBeforeVerdict.value, 0, "nothing committed before the verdict")
        XCTAssertEqual(result.counts, summary(added: 23, skipped: 1, failed: 1))
        XCTAssertEqual(try index.documentCount(), 23)
        XCTAssertEqual(try found("randonneurs").count, 23)
        assertFullTextIntegrity()
    }

    func testADamagedFileRollsBackEveryBatchWrittenWhileItWasChecked() throws {
        try manyArticles()
        let (ingester, sawAll) = ingesterWithASlowCheck {
            throw IndexError.corrupt(path: "gen-000001.sqlite", reason: "page 12: btree damaged")
        }
        XCTAssertThrowsError(try ingester.run([root])) { error in
            XCTAssertTrue("\(error)".contains("btree damaged"), "\(error)")
        }
        XCTAssertTrue(sawAll())
        XCTAssertEqual(try index.documentCount(), 0, "every batch was rolled back")
        XCTAssertEqual(try found("randonneurs"), [])
        XCTAssertNoThrow(try index.passCheck(), "the verdict is given once")
    }

    // MARK: - Merging segments

    func testAFirstLoadEndsInOneSegmentAndASmallAdditionDoesNotMerge() throws {
        try manyArticles()
        // Twelve batches, each its own segment; FTS5 alone merges only by fours.
        var unmerged = IngestOptions()
        unmerged.batchFiles = 2
        unmerged.mergeWhenGrown = false
        let other = try openIndex("unmerged")
        defer { try? other.close() }
        try Ingester(index: other, options: unmerged, logger: log.logger).run([root])
        XCTAssertGreaterThan(try other.segmentCount(), 1)

        try ingest { $0.batchFiles = 2 }
        XCTAssertEqual(try index.segmentCount(), 1)
        XCTAssertTrue(log.entries.contains { $0.message.contains("segments into one") })
        XCTAssertEqual(try found("randonneurs").count, 23)
        assertFullTextIntegrity()

        // Two new documents against 23: FTS5's own merging is left to it.
        try write("lot-3/depeche-40.txt", "Dépêche 40 : un lynx aperçu\nLe garde a signalé l'animal.")
        try write("lot-3/depeche-41.txt", "Dépêche 41 : un lynx encore\nLe garde a signalé l'animal.")
        XCTAssertEqual(try ingest { $0.batchFiles = 1 }.added, 2)
        XCTAssertEqual(try index.segmentCount(), 3)
        XCTAssertEqual(try found("lynx").sorted(), ["lot-3/depeche-40.txt", "lot-3/depeche-41.txt"])
    }

    func testARunThatDoublesTheIndexMergesIt() throws {
        try write("a/premier.txt", "Le premier article\nUn hérisson traverse la route.")
        try ingest([root + "/a"])
        try write("b/second.txt", "Le second article\nUn renard traverse la route.")
        XCTAssertEqual(try ingest([root + "/b"]).added, 1)
        XCTAssertEqual(try index.segmentCount(), 1)
        XCTAssertEqual(try found("route").count, 2)
        assertFullTextIntegrity()
    }

    // MARK: - Several folders

    func testTwoFolders() throws {
        try writeThreeArticles()
        try folder.write("Brest accueille les grands voiliers\nLe port attend un million de visiteurs.", to: "ouest/mer/brest.txt")
        try folder.write("Rennes inaugure sa deuxième ligne de métro\nLa ligne B relie Saint-Jacques à Cesson.", to: "ouest/rennes.txt")
        let other = folder.path + "/ouest"

        XCTAssertEqual(try ingest([root, other]).counts, summary(added: 5))
        XCTAssertEqual(try index.documentCount(), 5)
        XCTAssertEqual(Set(try index.sources()), [source, Self.realPath(other)])
        XCTAssertEqual(Set(try index.fileStates(source: Self.realPath(other)).keys), ["mer/brest.txt", "rennes.txt"])
        XCTAssertEqual(try index.fileStates(source: source).count, 3)
        XCTAssertEqual(try index.document(id: "mer/brest.txt")?.source, Self.realPath(other))
        XCTAssertEqual(try index.document(id: "regions/zeppelin.txt")?.source, source)
        XCTAssertEqual(try found("voiliers"), ["mer/brest.txt"])
        XCTAssertEqual(try found("hippopotame"), ["politique/senat.txt"])

        XCTAssertEqual(try ingest([root, other]).counts, summary(unchanged: 5))
        XCTAssertEqual(try ingest([other]).counts, summary(unchanged: 2))
        assertFullTextIntegrity()
    }

    /// Ids are what clients see: a second folder holding the same relative
    /// path does not take over the first one's document, and says so.
    func testTheSameIdInTwoFoldersStaysWithTheFirst() throws {
        try write("une.txt", "La marée noire atteint la côte\nLes pêcheurs sont inquiets.")
        try folder.write("Un festival de jazz à Marciac\nLes concerts affichent complet.", to: "autre/une.txt")
        let other = folder.path + "/autre"

        XCTAssertEqual(try ingest([root, other]).counts, summary(added: 1, failed: 1))
        XCTAssertTrue(log.entries.contains { $0.message.contains("already belongs to a document from \(source)") }, "\(log.entries)")
        XCTAssertEqual(try found("marée"), ["une.txt"])
        XCTAssertEqual(try found("jazz"), [])
        // And it stays that way: no document flips between the folders.
        XCTAssertEqual(try ingest([root, other]).counts, summary(unchanged: 1, failed: 1))
        XCTAssertEqual(try index.document(id: "une.txt")?.source, source)
    }

    // MARK: - Options and progress

    func testMarkerOptions() throws {
        try writeThreeArticles()
        try ingest()
        XCTAssertEqual(try found("drone"), [])

        let whole = try openIndex("index-whole")
        defer { try? whole.close() }
        try ingest(into: whole) { $0.markers = .none }
        XCTAssertEqual(try found("drone", in: whole), ["regions/zeppelin.txt"])

        let custom = try openIndex("index-custom")
        defer { try? custom.close() }
        try ingest(into: custom) { $0.markers = BoilerplateMarkers(fileContents: "# à nous\nCommentaires\n") }
        XCTAssertEqual(try found("drone", in: custom), ["regions/zeppelin.txt"])
        XCTAssertEqual(try found("Connectez-vous", in: custom), [])
    }

    func testProgressIsReportedToTheEnd() throws {
        try writeThreeArticles()
        var reports: [IngestProgress] = []
        let ingester = Ingester(index: index, logger: log.logger) { reports.append($0) }
        _ = try ingester.run([root])
        let last = try XCTUnwrap(reports.last)
        let total = Int64((Self.senat + Self.tombouctou + Self.zeppelin).utf8.count)
        XCTAssertEqual(last.filesDone, 3)
        XCTAssertEqual(last.filesTotal, 3)
        XCTAssertEqual(last.bytesDone, total)
        XCTAssertEqual(last.bytesTotal, total)
        XCTAssertTrue(reports.allSatisfy { $0.filesDone <= $0.filesTotal && $0.bytesDone <= $0.bytesTotal })
    }

    // MARK: - Small parts

    func testMegabytes() {
        XCTAssertEqual(Ingester.megabytes(10 * 1_048_576), "10 MB")
        XCTAssertEqual(Ingester.megabytes(4 * 1_048_576), "4 MB")
        XCTAssertEqual(Ingester.megabytes(1_048_576 * 3 / 2), "1.5 MB")
        XCTAssertEqual(Ingester.megabytes(1024), "1 KB")
        XCTAssertEqual(Ingester.megabytes(50_000), "49 KB")
        XCTAssertEqual(Ingester.megabytes(25_500_000), "24 MB")
    }

    func testSummaryAndProgressFigures() {
        var summary = IngestSummary()
        summary.added = 1; summary.updated = 2; summary.unchanged = 3; summary.removed = 4; summary.skipped = 5; summary.failed = 6
        XCTAssertEqual(summary.counts, "added=1 updated=2 unchanged=3 removed=4 skipped=5 failed=6")
        XCTAssertEqual(summary.megabytesPerSecond, 0)
        summary.bytes = 4 * 1_048_576
        summary.seconds = 2
        XCTAssertEqual(summary.megabytesPerSecond, 2)

        let early = IngestProgress(filesDone: 1, filesTotal: 10, bytesDone: 100, bytesTotal: 1000, seconds: 0.1)
        XCTAssertNil(early.secondsLeft)
        let later = IngestProgress(filesDone: 5, filesTotal: 10, bytesDone: 500, bytesTotal: 1000, seconds: 2)
        XCTAssertEqual(try XCTUnwrap(later.secondsLeft), 2, accuracy: 1e-9)
        XCTAssertEqual(later.megabytesPerSecond, 500 / 1_048_576 / 2, accuracy: 1e-12)
    }
}

final class ContentHashTests: XCTestCase {
    func testFNV1a64KnownValues() {
        XCTAssertEqual(ContentHash.of([]), "cbf29ce484222325")
        XCTAssertEqual(ContentHash.of(Array("a".utf8)), "af63dc4c8601ec8c")
        XCTAssertEqual(ContentHash.of(Array("foobar".utf8)), "85944171f73967e8")
    }

    func testSixteenHexDigitsAndSensitiveToEveryByte() {
        let a = ContentHash.of(Array("Le café".utf8))
        let b = ContentHash.of(Array("Le cafe".utf8))
        XCTAssertEqual(a.count, 16)
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(a.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }
}
