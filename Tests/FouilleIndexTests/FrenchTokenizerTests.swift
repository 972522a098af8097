import FouilleIndex
import GRDB
import XCTest

/// The tokenizer seen through SQLite: MATCH results and highlight() output.
final class FrenchTokenizerTests: XCTestCase {
    func testAccentsCaseAndStemsMeet() throws {
        let f = try IndexFixture()
        XCTAssertEqual(try f.ids("coree"), ["2025/08/poutine-kim.txt"])
        XCTAssertEqual(try f.ids("CORÉE"), ["2025/08/poutine-kim.txt"])
        XCTAssertEqual(try f.ids("evenement"), ["2025/07/caledonie.txt"])
        XCTAssertEqual(try f.ids("activite"), ["2025/06/tourisme.txt"])
        XCTAssertEqual(try f.ids("cooperer"), ["2025/08/poutine-kim.txt"])
        XCTAssertEqual(try f.ids("oeuvre"), ["2025/06/tourisme.txt"])
        XCTAssertEqual(try f.ids("Œuvres"), ["2025/06/tourisme.txt"])
    }

    func testElisionAtIndexAndQueryTime() throws {
        let f = try IndexFixture()
        XCTAssertEqual(try f.ids("archipel"), ["2025/07/caledonie.txt"])
        XCTAssertEqual(try f.ids("l'archipel"), ["2025/07/caledonie.txt"])
        XCTAssertEqual(try f.ids("d’achat"), ["2025/04/economie.txt"])
        XCTAssertEqual(try f.ids("aujourd'hui"), ["2025/07/caledonie.txt"])
    }

    func testCompoundsMatchTheirPartsAndThePhrase() throws {
        let f = try IndexFixture()
        for query in ["États-Unis", "etats unis", "\"états unis\"", "Etats-Unis"] {
            XCTAssertEqual(try f.ids(query), ["2025/08/poutine-kim.txt"], query)
        }
        XCTAssertEqual(try f.ids("\"Kim Jong-un\""), ["2025/08/poutine-kim.txt"])
        XCTAssertEqual(try f.ids("nouvelle caledonie"), ["2025/07/caledonie.txt"])
    }

    func testHomonymsOfStopWordsAreSearchable() throws {
        let f = try IndexFixture()
        XCTAssertEqual(Set(try f.ids("été")), ["2025/07/caledonie.txt", "2025/06/tourisme.txt", "2025/05/aviation.txt"])
        XCTAssertEqual(try f.ids("avions"), ["2025/05/aviation.txt"])
        XCTAssertEqual(try f.ids("son"), ["2025/05/aviation.txt"])
        XCTAssertEqual(Set(try f.ids("est")), ["2025/06/tourisme.txt", "2025/05/aviation.txt"])
        XCTAssertEqual(try f.ids("sommes"), ["2025/04/economie.txt"])
    }

    func testOnlyStopWordsFindNothingWithoutError() throws {
        let f = try IndexFixture()
        XCTAssertEqual(try f.index.search("le la les de du").total, 0)
        XCTAssertNil(f.index.expression(for: "le la les de du"))
    }

    func testPrefixesAreFoldedNotStemmed() throws {
        let f = try IndexFixture()
        XCTAssertEqual(try f.ids("coop*"), ["2025/08/poutine-kim.txt"])
        XCTAssertEqual(try f.ids("Calédo*"), ["2025/07/caledonie.txt"])
        XCTAssertEqual(try f.ids("bretag*"), ["2025/06/tourisme.txt"])
    }

    func testHighlightShowsTheTextAsWritten() throws {
        let f = try IndexFixture()
        let hit = try XCTUnwrap(f.index.search("\"coree du nord\"").hits.first)
        XCTAssertTrue(hit.snippet.rendered().contains("la [Corée du Nord]"), hit.snippet.rendered())
        let elided = try XCTUnwrap(f.index.search("archipel").hits.first)
        XCTAssertTrue(elided.snippet.rendered().contains("l’[archipel]"), elided.snippet.rendered())
        let ligature = try XCTUnwrap(f.index.search("oeuvre").hits.first)
        XCTAssertEqual(ligature.snippet.matches, ["œuvre"])
    }

    func testTheIndexPassesFTS5IntegrityCheckAfterUpdatesAndRemovals() throws {
        let f = try IndexFixture()
        try f.index.write { writer in
            XCTAssertEqual(
                try writer.upsert(IndexFixture.document(
                    "2025/06/tourisme.txt", "Le tourisme ralentit en Bretagne", "Moins de visiteurs.",
                    "Les gîtes bretons se vident à la rentrée.")), .updated)
            XCTAssertTrue(try writer.remove(id: "2025/04/economie.txt"))
            XCTAssertFalse(try writer.remove(id: "absent.txt"))
        }
        XCTAssertEqual(try f.ids("ralentit"), ["2025/06/tourisme.txt"])
        XCTAssertEqual(try f.ids("campings"), [])
        XCTAssertEqual(try f.ids("inflation"), [])
        XCTAssertEqual(try f.index.documentCount(), 4)
        XCTAssertNoThrow(try f.index.integrityCheck())
    }
}
