import XCTest

@testable import FouilleIndex
@testable import FouilleServer

/// `HIT<TAB>rank<TAB>score<TAB>id<TAB>title<TAB>snippet`, written and read back.
final class HitLineTests: XCTestCase {
    let sample = HitLine(
        rank: 3, score: 12.5, id: "lemonde-2019-04-15-0042", title: "Notre-Dame de Paris en flammes",
        snippet: "… la [cathédrale] a brûlé pendant la nuit, la [flèche] s'est effondrée …")

    func testLine() {
        XCTAssertEqual(
            sample.line,
            "HIT\t3\t12.5000\tlemonde-2019-04-15-0042\tNotre-Dame de Paris en flammes\t"
                + "… la [cathédrale] a brûlé pendant la nuit, la [flèche] s'est effondrée …")
    }

    func testScoreHasFourDecimals() {
        func text(_ score: Double) -> String {
            HitLine(rank: 1, score: score, id: "a", title: "b", snippet: "c").scoreText
        }
        XCTAssertEqual(text(0), "0.0000")
        XCTAssertEqual(text(1), "1.0000")
        XCTAssertEqual(text(3.14159265), "3.1416")
        XCTAssertEqual(text(-7.25), "-7.2500")
        XCTAssertEqual(text(0.00004), "0.0000")
        XCTAssertEqual(text(123456.789), "123456.7890")
    }

    func testRoundTripLineToHitLineToLine() {
        let lines = [
            "HIT\t1\t0.9876\tart-001\tLe prix de la baguette augmente\tLe [prix] de la [baguette] a encore augmenté",
            "HIT\t10\t-3.5000\tx\tÉté caniculaire dans le Midi\t…",
            "HIT\t2\t0.0000\t\t\t",
            "HIT\t1000\t42.0000\tid avec espaces\tTitre « entre guillemets »\tpas de [correspondance] ici, [ni] là",
            "HIT\t7\t1.2500\t🙂\tÉmoji 🇫🇷\t[🇫🇷]",
        ]
        for line in lines {
            guard let hit = HitLine(line: line) else {
                XCTFail("not read: \(line.debugDescription)")
                continue
            }
            XCTAssertEqual(hit.line, line)
        }
    }

    func testRoundTripHitLineToLineToHitLine() {
        XCTAssertEqual(HitLine(line: sample.line), sample)
        let hit = HitLine(rank: 12, score: -0.125, id: "af/2023/0007", title: "", snippet: "[seul]")
        XCTAssertEqual(HitLine(line: hit.line), hit)
    }

    func testFieldsAreRead() {
        let hit = HitLine(line: "HIT\t4\t2.7183\tdoc-9\tLa Provence\tsous le [mistral]")
        XCTAssertEqual(hit?.rank, 4)
        XCTAssertEqual(hit?.score ?? 0, 2.7183, accuracy: 1e-12)
        XCTAssertEqual(hit?.id, "doc-9")
        XCTAssertEqual(hit?.title, "La Provence")
        XCTAssertEqual(hit?.snippet, "sous le [mistral]")
    }

    func testScoreIsRoundedOnTheWire() {
        let hit = HitLine(rank: 1, score: 1.23456789, id: "a", title: "b", snippet: "c")
        XCTAssertEqual(HitLine(line: hit.line)?.score, 1.2346)
    }

    func testTabsAndLineBreaksInFieldsAreSanitised() {
        let hit = HitLine(
            rank: 1, score: 2, id: "id\t1", title: "Titre\nsur deux lignes", snippet: "le [vent]\r\nsouffle")
        XCTAssertEqual(hit.line, "HIT\t1\t2.0000\tid 1\tTitre sur deux lignes\tle [vent]  souffle")
        let read = HitLine(line: hit.line)
        XCTAssertEqual(read?.id, "id 1")
        XCTAssertEqual(read?.title, "Titre sur deux lignes")
        XCTAssertEqual(read?.snippet, "le [vent]  souffle")
    }

    func testMalformedLinesAreNil() {
        let malformed = [
            "",
            "HIT",
            "OK total=0 returned=0 took_ms=0.10",
            "ERR bad_query requête vide",
            "TERM\tfromage\t12",
            "STAT\tdocuments\t3",
            "HIT\t1\t0.5\tid\ttitre",  // five fields
            "HIT\t1\t0.5\tid\ttitre\textrait\tde trop",  // seven fields
            "hit\t1\t0.5\tid\ttitre\textrait",  // the tag is case-sensitive
            "HITS\t1\t0.5\tid\ttitre\textrait",
            " HIT\t1\t0.5\tid\ttitre\textrait",
            "HIT\tun\t0.5\tid\ttitre\textrait",  // rank not a number
            "HIT\t1.0\t0.5\tid\ttitre\textrait",
            "HIT\t\t0.5\tid\ttitre\textrait",
            "HIT\t1\tbeaucoup\tid\ttitre\textrait",  // score not a number
            "HIT\t1\t\tid\ttitre\textrait",
            "HIT\t1\t0,5\tid\ttitre\textrait",  // French decimal comma
            "HIT 1 0.5 id titre extrait",  // spaces, not tabs
        ]
        for line in malformed {
            XCTAssertNil(HitLine(line: line), line.debugDescription)
        }
    }

    func testMatches() {
        XCTAssertEqual(sample.matches, ["cathédrale", "flèche"])
        func matches(_ snippet: String) -> [String] {
            HitLine(rank: 1, score: 0, id: "", title: "", snippet: snippet).matches
        }
        XCTAssertEqual(matches("aucune correspondance"), [])
        XCTAssertEqual(matches(""), [])
        XCTAssertEqual(matches("[Marseille]"), ["Marseille"])
        XCTAssertEqual(matches("[pain] et [vin] et [fromage]"), ["pain", "vin", "fromage"])
        XCTAssertEqual(matches("le [Crédit Agricole] annonce"), ["Crédit Agricole"])
        XCTAssertEqual(matches("[grève][générale]"), ["grève", "générale"])
        XCTAssertEqual(matches("[l'été] dernier"), ["l'été"])
    }

    func testMatchesSurviveTheWire() {
        XCTAssertEqual(HitLine(line: sample.line)?.matches, sample.matches)
    }

    func testFromASearchHit() {
        let hit = SearchHit(
            rank: 2, score: 8.75, id: "ouest-france-118", title: "Tempête sur la Bretagne",
            snippet: Snippet(marked: "des rafales de \u{E000}vent\u{E001} à 150 km/h sur le \u{E000}Finistère\u{E001}"))
        let line = HitLine(hit)
        XCTAssertEqual(line.rank, 2)
        XCTAssertEqual(line.score, 8.75)
        XCTAssertEqual(line.id, "ouest-france-118")
        XCTAssertEqual(line.title, "Tempête sur la Bretagne")
        XCTAssertEqual(line.snippet, "des rafales de [vent] à 150 km/h sur le [Finistère]")
        XCTAssertEqual(line.matches, hit.snippet.matches)
        XCTAssertEqual(line.line, "HIT\t2\t8.7500\touest-france-118\tTempête sur la Bretagne\t" + line.snippet)
    }

    func testScoresAreWrittenAsPrintfWritesThem() {
        var random = SystemRandomNumberGenerator()
        var values: [Double] = [0, -0.0, 0.00005, 0.00015, 0.99995, 1.5, 55.99996, -3.25, 1e20, 123456.78905, 2.675, 1e300, -1e300, .infinity, .nan]
        values += (0..<5_000).map { _ in Double.random(in: 0..<60, using: &random) }
        values += (0..<1_000).map { _ in Double(Int.random(in: 0...600_000, using: &random)) / 10_000 + 0.00005 }
        for value in values {
            XCTAssertEqual(FixedPoint.text(value, decimals: 4), String(format: "%.4f", value))
            XCTAssertEqual(FixedPoint.text(value, decimals: 2), String(format: "%.2f", value))
        }
    }
}
