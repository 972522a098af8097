import FouilleIndex
import XCTest

/// Ranking, relaxation, paging and the operators, on a real index.
final class SearcherTests: XCTestCase {
    func testExclusionOrAndFields() throws {
        let f = try IndexFixture()
        XCTAssertEqual(Set(try f.ids("été")).count, 3)
        XCTAssertEqual(Set(try f.ids("été -bretagne")), ["2025/07/caledonie.txt", "2025/05/aviation.txt"])
        XCTAssertEqual(Set(try f.ids("été NOT bretagne")), ["2025/07/caledonie.txt", "2025/05/aviation.txt"])
        XCTAssertEqual(Set(try f.ids("inflation OR tourisme")), ["2025/04/economie.txt", "2025/06/tourisme.txt"])
        XCTAssertEqual(try f.ids("title:bretagne"), ["2025/06/tourisme.txt"])
        XCTAssertEqual(try f.ids("title:campings"), [])
        XCTAssertEqual(try f.ids("body:campings"), ["2025/06/tourisme.txt"])
        XCTAssertEqual(try f.ids("lead:\"banque centrale\""), ["2025/04/economie.txt"])
        XCTAssertEqual(try f.ids("-bretagne"), [], "only exclusions match nothing")
    }

    func testDocumentsWithAllWordsComeFirstThenMost() throws {
        let f = try IndexFixture([
            ("all.txt", "Grève des contrôleurs aériens", "Les vols annulés à Marseille", "La grève touche les aéroports du sud."),
            ("two.txt", "Grève à la SNCF", "Des trains annulés", "Les contrôleurs de la SNCF cessent le travail."),
            ("one.txt", "Marseille sous la pluie", "Orages sur la Provence", "Des vols retardés à Marignane."),
            ("none.txt", "Récolte de lavande", "Les producteurs satisfaits", "La saison a été bonne dans le Vaucluse."),
        ])
        let results = try f.index.search("grève des contrôleurs aériens à Marseille", limit: 10)
        XCTAssertEqual(results.hits.first?.id, "all.txt")
        XCTAssertEqual(Array(results.hits.map(\.id).prefix(2)), ["all.txt", "two.txt"], "two words before one")
        XCTAssertFalse(results.hits.map(\.id).contains("none.txt"))
        XCTAssertEqual(results.total, results.hits.count)
        let scores = results.hits.map(\.score)
        XCTAssertEqual(scores, scores.sorted(by: >), "scores fall with rank")
        XCTAssertEqual(results.hits.map(\.rank), Array(1...results.hits.count))
    }

    func testAWordFoundNowhereDoesNotHideTheOthers() throws {
        let f = try IndexFixture()
        XCTAssertEqual(try f.ids("inflation xyzzyplugh"), ["2025/04/economie.txt"])
    }

    func testPagingWalksTheSameListAsOneBigPage() throws {
        var documents: [(id: String, title: String, lead: String, body: String)] = []
        for i in 0..<30 {
            let extra = i % 3 == 0 ? " Le port de Brest accueille la flotte." : ""
            documents.append(("doc\(i).txt", "Météo du jour \(i)", "Pluie sur la Bretagne", "Des averses sont attendues à Rennes." + extra))
        }
        let f = try IndexFixture(documents)
        let whole = try f.index.search("pluie brest", limit: 100)
        XCTAssertEqual(whole.total, 30)
        XCTAssertEqual(whole.hits.count, 30)
        XCTAssertTrue(whole.hits.prefix(10).allSatisfy { Int($0.id.dropFirst(3).dropLast(4))! % 3 == 0 }, "documents with both words first")
        var paged: [String] = []
        for offset in stride(from: 0, to: 35, by: 7) {
            let page = try f.index.search("pluie brest", limit: 7, offset: offset)
            XCTAssertEqual(page.total, 30)
            XCTAssertEqual(page.hits.first?.rank, page.hits.isEmpty ? nil : offset + 1)
            paged += page.hits.map(\.id)
        }
        XCTAssertEqual(paged, whole.hits.map(\.id))
        XCTAssertEqual(try f.index.count("pluie brest"), 30)
    }

    /// Pages served by the cheaper first-tiers query, the loose one and the
    /// strict one must be slices of one list.
    func testPagesFromEveryKindOfQueryMakeOneList() throws {
        var documents: [(id: String, title: String, lead: String, body: String)] = []
        for i in 0..<40 {
            var body = "Le marché de gros ouvre à l'aube, jour \(i)."
            if i % 4 == 0 { body += " Les maraîchers bretons arrivent." }  // 10 documents
            if i % 13 == 0 { body += " Un artichaut géant fait sensation." }  // 4 documents
            documents.append(("marche-\(i).txt", "Marché \(i)", "Rungis", body))
        }
        let f = try IndexFixture(documents)
        let query = "artichaut maraîchers marché"
        let whole = try f.index.search(query, limit: 100)
        XCTAssertEqual(whole.total, 40)
        XCTAssertEqual(whole.hits.count, 40)
        XCTAssertEqual(whole.hits.map(\.score), whole.hits.map(\.score).sorted(by: >))
        XCTAssertEqual(whole.hits.first?.id, "marche-0.txt", "the one document with all three words")
        for size in [3, 5, 7] {
            var paged: [String] = []
            for offset in stride(from: 0, to: 45, by: size) {
                paged += try f.index.search(query, limit: size, offset: offset).hits.map(\.id)
            }
            XCTAssertEqual(paged, whole.hits.map(\.id), "pages of \(size)")
        }
    }

    /// A long query is ranked softly: the page it describes may lack one of
    /// its words, and then comes before a long page that has every word once,
    /// scattered.
    func testLongQueryFindsTheDocumentLackingOneWord() throws {
        let filler = (0..<60).map { "Paragraphe \($0) sur les réglages divers du système." }.joined(separator: " ")
        // Other pages, so that the query's words are rare-ish, as in a real index.
        let others = (0..<20).map { i in
            (id: "autre-\(i).txt", title: "Page \(i)", lead: "p\(i)",
             body: i % 2 == 0 ? "Le temps d'exécution du système, page \(i)." : "Lire un fichier, page \(i).")
        }
        let f = try IndexFixture([
            ("horloge.txt", "Ajuster l'horloge système", "adjtime",
             "La fonction ajuste graduellement l'horloge système, sans saut du temps."),
            ("long.txt", "Mesures de performance", "perf",
             "Le temps passé. " + filler + " Une horloge matérielle. " + filler + " Ajuster un compteur. "
                + filler + " Synchroniser les processeurs. " + filler + " Appel au système."),
        ] + others)
        let query = "Ajuster le temps pour synchroniser l'horloge système"
        XCTAssertEqual(try f.index.expression(for: query)?.components(separatedBy: " AND ").count, 5, "five clauses")
        let results = try f.index.search(query)
        XCTAssertEqual(results.hits.first?.id, "horloge.txt", "lacks synchroniser, but the rest stands together in its title")
        XCTAssertTrue(results.hits.map(\.id).contains("long.txt"))
        XCTAssertEqual(results.total, 12)
        XCTAssertEqual(results.hits.map(\.score), results.hits.map(\.score).sorted(by: >))
        XCTAssertTrue(results.hits.allSatisfy { (1..<2).contains($0.score) }, "one tier: scores in [1, 2)")
    }

    /// Up to three words, documents with every word still come first, however
    /// well a document with fewer of them matches.
    func testShortQueryKeepsDocumentsWithEveryWordFirst() throws {
        let f = try IndexFixture([
            ("deux.txt", "Corée : la frontière du Nord", "Corée du Nord, Corée", "La Corée du Nord et la Corée du Sud."),
            ("trois.txt", "Diplomatie", "Un appel", "Des essais en Corée, au nord du pays ; un missile a été tiré."),
            ("un.txt", "Missile", "Missile, missile", "Un missile."),
        ])
        XCTAssertEqual(try f.ids("missile corée nord").first, "trois.txt")
        XCTAssertEqual(try f.ids("corée du nord"), ["deux.txt", "trois.txt"])
    }

    /// Query words standing together (here, side by side in the same order)
    /// rank a document above one with the same words apart, in a tier as in
    /// a soft ranking.
    func testWordsStandingTogetherRankFirst() throws {
        let apart = "Le noyau charge les modules au démarrage. " + String(repeating: "Texte sans rapport. ", count: 12)
            + "Une horloge murale orne le bureau."
        let together = "Le démarrage charge les modules. " + String(repeating: "Texte sans rapport. ", count: 12)
            + "Régler l'horloge du noyau."
        let f = try IndexFixture([
            ("apart.txt", "Page A", "a", apart + " Le temps réel."),
            ("together.txt", "Page B", "b", together + " Le temps réel."),
        ])
        XCTAssertEqual(try f.ids("horloge noyau"), ["together.txt", "apart.txt"])
        XCTAssertEqual(try f.ids("horloge du noyau temps réel"), ["together.txt", "apart.txt"])
    }

    /// A query ranked softly pages through one list as well.
    func testPagesOfALongQueryMakeOneList() throws {
        var documents: [(id: String, title: String, lead: String, body: String)] = []
        for i in 0..<25 {
            var body = "Le marché de gros ouvre à l'aube, jour \(i)."
            if i % 2 == 0 { body += " Les maraîchers bretons arrivent." }
            if i % 3 == 0 { body += " Un artichaut géant fait sensation." }
            if i % 5 == 0 { body += " Les camions de primeurs attendent." }
            documents.append(("m-\(i).txt", "Marché \(i)", "Rungis", body))
        }
        let f = try IndexFixture(documents)
        let query = "artichaut maraîchers camions primeurs marché"
        let whole = try f.index.search(query, limit: 100)
        XCTAssertEqual(whole.total, 25)
        XCTAssertEqual(whole.hits.count, 25)
        XCTAssertEqual(whole.hits.first?.id, "m-0.txt", "every word, and closest together")
        for size in [4, 7] {
            var paged: [String] = []
            for offset in stride(from: 0, to: 30, by: size) {
                paged += try f.index.search(query, limit: size, offset: offset).hits.map(\.id)
            }
            XCTAssertEqual(paged, whole.hits.map(\.id), "pages of \(size)")
        }
    }

    /// A soft query scores only the documents holding one of its rarest
    /// clauses once they are enough for the page; those without are counted
    /// in the total but not ranked. (Approximate by design: with a floor of
    /// one, the one document holding the rarest word is all that is scored.)
    func testASoftQueryRanksTheDocumentsOfItsRarestClauses() throws {
        var documents: [(id: String, title: String, lead: String, body: String)] = []
        for i in 0..<12 { documents.append(("commun-\(i).txt", "Marché \(i)", "Rungis", "Le marché ouvre tôt, jour \(i).")) }
        documents.append(("riche.txt", "Artichaut", "Bretagne", "Au marché, les maraîchers déchargent artichaut et camions."))
        documents.append(("primeurs.txt", "Primeurs", "Bretagne", "Des primeurs."))
        documents.append(("camions.txt", "Routes", "Bretagne", "Des camions, un artichaut, des maraîchers."))
        let f = try IndexFixture(documents)
        let query = "artichaut maraîchers camions primeurs marché"
        let whole = try f.index.search(query, limit: 1, ranking: Ranking(softCandidates: nil))
        XCTAssertEqual(whole.hits.map(\.id), ["riche.txt"])
        let pruned = try f.index.search(query, limit: 1, ranking: Ranking(softCandidates: 1))
        XCTAssertEqual(pruned.hits.map(\.id), ["primeurs.txt"], "only the rarest clause's document was scored")
        XCTAssertEqual(pruned.total, 15, "every document with any clause is counted")
        let page = try f.index.search(query, limit: 3, ranking: Ranking(softCandidates: 3))
        XCTAssertEqual(page.hits.first?.id, "riche.txt", "enough candidates for the page: the same first hit")
        XCTAssertFalse(page.hits.contains { $0.id.hasPrefix("commun") })
    }

    func testTitleWeighsMoreThanBody() throws {
        let f = try IndexFixture([
            ("body.txt", "Conseil municipal", "Séance ordinaire", "Il a été question du budget et de la piscine."),
            ("title.txt", "La piscine rouvre", "Travaux terminés", "Les nageurs retrouvent le bassin."),
        ])
        XCTAssertEqual(try f.ids("piscine"), ["title.txt", "body.txt"])
    }

    /// Nothing a person can type is a syntax error or reaches SQLite raw.
    func testHostileQueriesNeverFail() throws {
        let f = try IndexFixture()
        let hostile = [
            "\"unbalanced", "NEAR(", "NEAR(coree nord", "*", "-", ":", "AND OR", ")", "(", "\"\"", "\"",
            "title:", "title:\"", "-\"", "OR", "NOT", "coree OR", "OR coree", "a* OR -b*", "^coree", "coree^2",
            "{title lead}: coree", "col:coree", "\u{1F600}\u{1F1EB}\u{1F1F7}", "🙂 corée 🙂", "\0coree", "\u{7}\u{1B}[2J",
            "' OR 1=1 --", "\"; DROP TABLE documents; --", "coree\"*", "***coree", "-*", "+coree", "co\"ree",
            String(repeating: "corée ", count: 2000), String(repeating: "x", count: 10_000),
            String(repeating: "(", count: 500), String(repeating: "\"a\" ", count: 300),
            String((0..<3000).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0x21...0x7E))) }),
        ]
        for query in hostile {
            XCTAssertNoThrow(try f.index.search(query, limit: 5), "query: \(query.prefix(40))")
            XCTAssertNoThrow(try f.index.count(query))
        }
        XCTAssertEqual(try f.ids("🙂 corée 🙂"), ["2025/08/poutine-kim.txt"])
        XCTAssertEqual(try f.ids("NEAR(coree"), ["2025/08/poutine-kim.txt"])
        XCTAssertEqual(try f.index.documentCount(), 5, "nothing was dropped")
    }

    func testSnippetsMarkEveryMatchedWordAndStayOnOneLine() throws {
        let f = try IndexFixture([
            ("a.txt", "Élections\tà Lyon", "Le scrutin", "Premier vote.\r\nLes\télecteurs votent dimanche."),
        ])
        let hit = try XCTUnwrap(f.index.search("électeurs dimanche").hits.first)
        XCTAssertEqual(hit.snippet.matches, ["électeurs", "dimanche"])
        XCTAssertEqual(hit.snippet.rendered(), "Premier vote.  Les [électeurs] votent [dimanche].")
        XCTAssertEqual(hit.title, "Élections à Lyon")
        XCTAssertFalse(hit.snippet.rendered().contains("\n"))
        XCTAssertFalse(hit.snippet.rendered().contains("\t"))
    }
}
