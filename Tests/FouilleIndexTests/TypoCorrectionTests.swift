@testable import FouilleIndex
import FouilleTestSupport
import Foundation
import GRDB
import XCTest

/// Typo tolerance: the vocabulary walk, and corrections in real searches.
final class TypoCorrectionTests: XCTestCase {
    // MARK: - The walk over the vocabulary

    /// The optimal-string-alignment distance, the slow and obvious way.
    private func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }

    private func flatten(_ words: [String]) -> ([UInt8], [Int32]) {
        var bytes: [UInt8] = [], starts: [Int32] = [0]
        for word in Set(words).sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            bytes += Array(word.utf8)
            starts.append(Int32(bytes.count))
        }
        return (bytes, starts)
    }

    func testTheWalkFindsExactlyTheWordsWithinTheDistance() {
        var random = SplitMix64(seed: 7)
        let letters = Array("aeiorstn".utf8)
        func word(_ length: Int) -> String {
            String(decoding: (0..<length).map { _ in letters[Int(random.next() % UInt64(letters.count))] }, as: UTF8.self)
        }
        let vocabulary = (0..<1000).map { _ in word(3 + Int(random.next() % 7)) }
        let (bytes, starts) = flatten(vocabulary)
        for _ in 0..<60 {
            let query = Array(word(3 + Int(random.next() % 7)).utf8)
            for edits in 1...2 {
                let walked = Lexicon.walk(query, maximumEdits: edits, bytes: bytes, starts: starts)
                let expected = Set(vocabulary).compactMap { candidate -> String? in
                    distance(Array(candidate.utf8), query) <= edits ? candidate : nil
                }
                XCTAssertEqual(Set(walked.map(\.word)), Set(expected), "query \(String(decoding: query, as: UTF8.self)), \(edits) edits")
                for found in walked { XCTAssertEqual(found.edits, distance(Array(found.word.utf8), query)) }
            }
        }
    }

    func testASwapOfNeighboursIsOneEdit() {
        let (bytes, starts) = flatten(["fichiers", "fichier", "fiches", "chiffres"])
        let found = Lexicon.walk(Array("fihciers".utf8), maximumEdits: 1, bytes: bytes, starts: starts)
        XCTAssertEqual(found.map(\.word), ["fichiers"])
        XCTAssertEqual(found.first?.edits, 1)
    }

    // MARK: - In searches

    private let articles: [(id: String, title: String, lead: String, body: String)] = [
        ("config.txt", "Les fichiers de configuration", "Où le système range ses réglages.",
         "Le démon lit ses fichiers de configuration au démarrage, puis surveille le répertoire."),
        ("missile.txt", "Pyongyang tire un missile", "Un essai balistique de plus.",
         "La Corée du Nord a tiré un missile balistique en mer du Japon, selon l’état-major sud-coréen."),
        ("canton-1.txt", "Le canton de Vaud vote", "Un référendum local.", "Le canton organise un référendum sur les transports."),
        ("canton-2.txt", "Élections dans le canton", "La participation progresse.", "Les électeurs du canton se sont déplacés en nombre."),
        ("canton-3.txt", "Un canton rural", "Les villages se vident.", "Dans ce canton, les écoles ferment une à une."),
        ("carton.txt", "Le carton recyclé", "Un emballage.", "Le carton se recycle facilement."),
    ]

    func testAMisspeltWordFindsItsDocumentsAndSaysSo() throws {
        let f = try IndexFixture(articles)
        let results = try f.index.search("fihciers")
        XCTAssertEqual(results.hits.map(\.id), ["config.txt"])
        XCTAssertEqual(results.corrections, [Correction(typed: "fihciers", word: "fichiers")])
        XCTAssertEqual(results.hits[0].snippet.matches, ["fichiers"], "the correction is highlighted")
        XCTAssertEqual(try f.index.count("fihciers"), 1)
    }

    func testATypoInTheEndingTheStemmerWouldCutIsCorrectedToo() throws {
        let f = try IndexFixture(articles)
        let results = try f.index.search("configuraiton")
        XCTAssertEqual(results.hits.map(\.id), ["config.txt"])
        XCTAssertEqual(results.corrections.map(\.word), ["configuration"])
    }

    func testEveryMisspeltWordOfAQueryIsCorrected() throws {
        let f = try IndexFixture(articles)
        let results = try f.index.search("misslie balsitique")
        XCTAssertEqual(results.hits.first?.id, "missile.txt")
        XCTAssertEqual(results.corrections.map(\.word), ["missile", "balistique"])
    }

    func testTwoEditsOnlyForLongWords() throws {
        let f = try IndexFixture(articles)
        XCTAssertEqual(try f.ids("cofnigruation"), ["config.txt"], "13 letters, two swaps")
        XCTAssertEqual(try f.ids("fihcires"), [], "8 letters, two swaps: one edit only")
        XCTAssertEqual(try f.ids("nrod"), [], "4 letters: never corrected")
    }

    func testTheWordAsTypedRanksAboveItsCorrections() throws {
        let f = try IndexFixture(articles)
        let results = try f.index.search("carton")
        XCTAssertEqual(results.hits.first?.id, "carton.txt", "the one document with the word as typed")
        XCTAssertEqual(Set(results.hits.dropFirst().map(\.id)), ["canton-1.txt", "canton-2.txt", "canton-3.txt"])
        XCTAssertEqual(results.corrections, [Correction(typed: "carton", word: "canton")])
        let scores = results.hits.map(\.score)
        XCTAssertEqual(scores, scores.sorted(by: >), "scores fall with rank")
    }

    func testACommonWordIsNotCorrectedNorIntoARarerOne() throws {
        let f = try IndexFixture(articles)
        let common = try f.index.search("canton")
        XCTAssertEqual(common.corrections, [], "three documents: not rare")
        XCTAssertFalse(common.hits.map(\.id).contains("carton.txt"))
    }

    func testPhrasesPrefixesAndExclusionsAreNeverCorrected() throws {
        let f = try IndexFixture(articles)
        XCTAssertEqual(try f.ids("\"fihciers\""), [])
        XCTAssertEqual(try f.ids("fihci*"), [])
        XCTAssertEqual(try f.ids("configuration -fihciers"), ["config.txt"], "an exclusion of a misspelt word excludes nothing")
        XCTAssertEqual(try f.index.search("\"fihciers de configuration\"").corrections, [])
    }

    func testTypedMarkerCharactersAreNotRawTerms() throws {
        let f = try IndexFixture(articles)
        // `fichi` is the stem of `fichiers`: only a correction may name a stem.
        XCTAssertEqual(try f.ids(String(Character(FrenchTokenizer.rawTermMarker)) + "fichi"), try f.ids("fichi"))
    }

    func testWordsIngestedLaterAreCorrectedInto() throws {
        let f = try IndexFixture(articles)
        XCTAssertEqual(try f.ids("grenuoille"), [], "loads the vocabulary")
        try f.index.write { writer in
            try writer.upsert(IndexFixture.document("mare.txt", "La grenouille de la mare", "Un batracien.", "La grenouille chante le soir."))
        }
        XCTAssertEqual(try f.ids("grenuoille"), ["mare.txt"])
    }

    func testWordsAnalysedAheadOfTheirInsertAreRecorded() throws {
        let f = try IndexFixture([])
        let documents = [IndexFixture.document("meteo.txt", "Orages en Provence", "Alerte orange.", "Des précipitations intenses sont attendues.")]
        let analysed = f.index.preAnalyze(documents)
        try f.index.write { writer in for document in documents { try writer.upsert(document) } }
        f.index.releaseAnalysis(analysed)
        XCTAssertEqual(try f.ids("precipitaitons"), ["meteo.txt"])
    }

    func testAnIndexWithoutTheVocabularySearchesWithoutCorrections() throws {
        let f = try IndexFixture(articles)
        let file = f.index.generation.file.path
        try f.index.close()
        let queue = try DatabaseQueue(path: file)
        try queue.write { try $0.execute(sql: "DROP TABLE words") }
        try queue.close()
        let old = try SearchIndex.open(f.location, readOnly: true)
        XCTAssertEqual(try old.search("fihciers").hits, [])
        XCTAssertEqual(try old.search("fichiers").hits.map(\.id), ["config.txt"])
        let writable = try SearchIndex.open(f.location)
        try writable.write { writer in
            try writer.upsert(IndexFixture.document("mare.txt", "La grenouille de la mare", "Un batracien.", "La grenouille chante le soir."))
        }
        XCTAssertEqual(try writable.search("grenuoille").hits.map(\.id), ["mare.txt"], "a writer adds the table back")
        try writable.close()
    }

    func testCorrectionsCanBeTurnedOff() throws {
        let f = try IndexFixture(articles)
        var ranking = Ranking.default
        ranking.typoTolerance = nil
        XCTAssertEqual(try f.index.search("fihciers", ranking: ranking).hits, [])
    }
}
