@testable import FouilleIngest
import Foundation
import XCTest

final class DirectoryWalkerTests: XCTestCase {
    var folder: TemporaryFolder!
    var root: String { folder.path + "/articles" }

    override func setUpWithError() throws {
        folder = try TemporaryFolder(self)
        try folder.folder("articles")
    }

    func write(_ relative: String, _ text: String = "Titre\nChapeau\nCorps", mtime: Int? = nil) throws {
        try folder.write(text, to: "articles/" + relative, mtime: mtime)
    }

    func link(_ relative: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: root + "/" + relative, withDestinationPath: destination)
    }

    // MARK: - What is found

    func testFindsTxtFilesRecursivelyWithRelativeSortedIDs() throws {
        try write("zoologie.txt")
        try write("actualite.txt")
        try write("2024/03/crise-agricole.txt")
        try write("2024/03/zz/fin.txt")
        try write("2024/janvier/voeux.txt")
        try write("sport/Rugby.TXT")
        try write("dossier spécial/l'été à Nîmes.txt")
        try write("2024/photo.jpg", "JPEG")
        try write("notes.md", "# notes")
        try write("txt", "pas une extension")
        try write("archive.txt.gz", "gz")
        try folder.folder("articles/vide/encore-vide")

        let result = DirectoryWalker().walk(root)
        XCTAssertEqual(result.candidates.map(\.id), [
            "2024/03/crise-agricole.txt",
            "2024/03/zz/fin.txt",
            "2024/janvier/voeux.txt",
            "actualite.txt",
            "dossier spécial/l'été à Nîmes.txt",
            "sport/Rugby.TXT",
            "zoologie.txt",
        ])
        XCTAssertEqual(result.skipped, 4)
        XCTAssertTrue(result.problems.isEmpty, "\(result.problems)")
        for candidate in result.candidates {
            XCTAssertEqual(candidate.path, root + "/" + candidate.id)
            XCTAssertFalse(candidate.id.hasPrefix("/"))
        }
    }

    func testCandidateSizeAndModificationTime() throws {
        try write("breve.txt", "Brève\nUne ligne.\n")
        try setModificationTime(root + "/breve.txt", seconds: 1_700_000_000, nanoseconds: 250_000_000)
        let candidate = try XCTUnwrap(DirectoryWalker().walk(root).candidates.first)
        XCTAssertEqual(candidate.id, "breve.txt")
        XCTAssertEqual(candidate.size, Int64("Brève\nUne ligne.\n".utf8.count))
        XCTAssertEqual(candidate.mtime, 1_700_000_000.25, accuracy: 1e-6)
    }

    func testEmptyFolder() {
        let result = DirectoryWalker().walk(root)
        XCTAssertTrue(result.candidates.isEmpty)
        XCTAssertEqual(result.skipped, 0)
        XCTAssertTrue(result.problems.isEmpty)
    }

    func testMissingFolderIsAFailedProblem() {
        let result = DirectoryWalker().walk(root + "/nulle-part")
        XCTAssertTrue(result.candidates.isEmpty)
        XCTAssertEqual(result.problems.count, 1)
        XCTAssertEqual(result.problems.first?.path, root + "/nulle-part")
        XCTAssertTrue(result.problems.first?.reason.contains("cannot read folder") == true)
        XCTAssertEqual(result.problems.first?.failed, true)
    }

    func testUnreadableSubfolderIsAFailedProblem() throws {
        try XCTSkipIf(getuid() == 0, "root reads every folder")
        try write("lisible.txt")
        try write("prive/secret.txt")
        XCTAssertEqual(chmod(root + "/prive", 0o000), 0)
        let result = DirectoryWalker().walk(root)
        XCTAssertEqual(result.candidates.map(\.id), ["lisible.txt"])
        XCTAssertEqual(result.problems.count, 1)
        XCTAssertEqual(result.problems.first?.path, root + "/prive")
        XCTAssertTrue(result.problems.first?.reason.contains("Permission denied") == true, "\(result.problems)")
        XCTAssertEqual(result.problems.first?.failed, true)
    }

    // MARK: - Hidden

    func testHiddenFilesAndFoldersAreSkipped() throws {
        try write("visible.txt")
        try write(".brouillon.txt")
        try write(".cache/article.txt")
        try write(".git/HEAD", "ref")
        try write("rubrique/.DS_Store", "x")
        try write("rubrique/.cachee/profond.txt")
        try write("rubrique/ok.txt")

        let result = DirectoryWalker().walk(root)
        XCTAssertEqual(result.candidates.map(\.id), ["rubrique/ok.txt", "visible.txt"])
        // Each hidden entry counts once; hidden folders are not walked.
        XCTAssertEqual(result.skipped, 5)
        XCTAssertTrue(result.problems.isEmpty)
    }

    // MARK: - Symbolic links

    func testSymbolicLinksAreNotFollowedByDefault() throws {
        try write("vrai.txt")
        try folder.write("Ailleurs\nHors du dossier\nCorps", to: "ailleurs/externe.txt")
        try link("lien.txt", to: root + "/vrai.txt")
        try link("raccourci", to: folder.path + "/ailleurs")
        try link("casse.txt", to: root + "/absent.txt")

        let result = DirectoryWalker().walk(root)
        XCTAssertEqual(result.candidates.map(\.id), ["vrai.txt"])
        XCTAssertEqual(result.skipped, 3)
        XCTAssertTrue(result.problems.isEmpty)
    }

    func testFollowedSymbolicLinksKeepTheLinkNameInTheID() throws {
        try write("vrai.txt")
        try folder.write("Ailleurs\nHors du dossier\nCorps", to: "ailleurs/sous/externe.txt")
        try link("lien.txt", to: root + "/vrai.txt")
        try link("raccourci", to: folder.path + "/ailleurs")

        let result = DirectoryWalker(followSymlinks: true).walk(root)
        XCTAssertEqual(result.candidates.map(\.id), ["lien.txt", "raccourci/sous/externe.txt", "vrai.txt"])
        XCTAssertEqual(result.candidates.map(\.path), [
            root + "/lien.txt", root + "/raccourci/sous/externe.txt", root + "/vrai.txt",
        ])
        XCTAssertEqual(result.skipped, 0)
        XCTAssertTrue(result.problems.isEmpty, "\(result.problems)")
    }

    func testBrokenSymbolicLinkIsReportedWhenFollowing() throws {
        try write("vrai.txt")
        try link("casse.txt", to: root + "/absent.txt")
        let result = DirectoryWalker(followSymlinks: true).walk(root)
        XCTAssertEqual(result.candidates.map(\.id), ["vrai.txt"])
        XCTAssertEqual(result.problems.count, 1)
        XCTAssertEqual(result.problems.first?.path, root + "/casse.txt")
        XCTAssertTrue(result.problems.first?.reason.contains("broken symbolic link") == true)
        XCTAssertEqual(result.problems.first?.failed, false)
    }

    func testSymbolicLinkLoopTerminatesAndIsReported() throws {
        try write("une.txt")
        try write("boucle/deux.txt")
        try link("boucle/retour", to: root)  // back to the root
        try link("boucle/ici", to: ".")  // to its own folder

        let result = DirectoryWalker(followSymlinks: true).walk(root)
        XCTAssertEqual(result.candidates.map(\.id), ["boucle/deux.txt", "une.txt"])
        XCTAssertEqual(result.problems.count, 2, "\(result.problems)")
        XCTAssertEqual(Set(result.problems.map(\.path)), [root + "/boucle/retour", root + "/boucle/ici"])
        for problem in result.problems {
            XCTAssertTrue(problem.reason.contains("symbolic link loop"), problem.reason)
            XCTAssertFalse(problem.failed)
        }
    }

    func testMutuallyLinkedFoldersTerminate() throws {
        try write("a/un.txt")
        try write("b/deux.txt")
        try link("a/vers-b", to: root + "/b")
        try link("b/vers-a", to: root + "/a")

        let result = DirectoryWalker(followSymlinks: true).walk(root)
        // Each real folder is walked once, under whichever name reached it first.
        XCTAssertEqual(result.candidates.count, 2, "\(result.candidates.map(\.id))")
        XCTAssertEqual(Set(result.candidates.map { ($0.path as NSString).lastPathComponent }), ["un.txt", "deux.txt"])
        XCTAssertFalse(result.problems.isEmpty)
        XCTAssertTrue(result.problems.allSatisfy { $0.reason.contains("loop") && !$0.failed })
    }

    // MARK: - Names that cannot be ids

    func testFileNameWithInvalidUTF8IsReportedNotIndexed() throws {
        try write("bon.txt")
        // "café.txt" in Latin-1: 0xE9 is not UTF-8 on its own.
        let path = try createFile(in: root, nameBytes: Array("caf".utf8) + [0xE9] + Array(".txt".utf8), contents: "Café\nChapeau\nCorps")
        addTeardownBlock { _ = unlink(path) }

        let result = DirectoryWalker().walk(root)
        XCTAssertEqual(result.candidates.map(\.id), ["bon.txt"])
        XCTAssertEqual(result.problems.count, 1)
        XCTAssertTrue(result.problems.first?.path.hasPrefix(root + "/caf") == true)
        XCTAssertTrue(result.problems.first?.reason.contains("not valid UTF-8") == true)
        XCTAssertEqual(result.problems.first?.failed, false)
    }

    func testFolderNameWithInvalidUTF8IsReportedNotWalked() throws {
        let path = (Array(root.utf8) + [0x2F] + Array("r".utf8) + [0xE9, 0x67, 0x69, 0x6F, 0x6E] + [0]).map { CChar(bitPattern: $0) }
        XCTAssertEqual(mkdir(path, 0o755), 0)
        addTeardownBlock { _ = rmdir(path) }
        let result = DirectoryWalker().walk(root)
        XCTAssertTrue(result.candidates.isEmpty)
        XCTAssertEqual(result.problems.count, 1)
        XCTAssertTrue(result.problems.first?.reason.contains("not valid UTF-8") == true)
    }

    func testFileNameWithANewlineIsReportedNotIndexed() throws {
        try write("bon.txt")
        try write("ligne\nsuivante.txt")
        try write("tab\tulation.txt")

        let result = DirectoryWalker().walk(root)
        XCTAssertEqual(result.candidates.map(\.id), ["bon.txt"])
        XCTAssertEqual(result.problems.count, 2)
        XCTAssertEqual(Set(result.problems.map(\.path)), [root + "/ligne\nsuivante.txt", root + "/tab\tulation.txt"])
        for problem in result.problems {
            XCTAssertTrue(problem.reason.contains("control characters"), problem.reason)
            XCTAssertFalse(problem.failed)
        }
    }

    func testRootGivenWithATrailingComponentStillGivesRelativeIDs() throws {
        try write("rubrique/article.txt")
        let result = DirectoryWalker().walk(root + "/rubrique")
        XCTAssertEqual(result.candidates.map(\.id), ["article.txt"])
    }
}
