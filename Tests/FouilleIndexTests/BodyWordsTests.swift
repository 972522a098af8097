import FouilleAnalysis
@testable import FouilleIndex
import FouilleTestSupport
import Foundation
import GRDB
import XCTest

/// Snippets cut from the checkpoint before their window must be the ones
/// cut by analysing the body from its start.
final class BodyWordsTests: XCTestCase {
    /// A long body of French sentences (elisions, compounds, numbers,
    /// punctuation, stop words), with `marker` as word `markerAt` or so.
    static func body(seed: UInt64, words: Int, marker: String? = nil, markerAt: Int = 0) -> String {
        var random = HostileText(seed: seed)
        let vocabulary = [
            "Le", "gouvernement", "a", "présenté", "l'avant-projet", "de", "loi", "qu’il", "juge", "aujourd’hui",
            "indispensable", "pour", "l’économie", "des", "régions", "côtières", "3,5", "millions", "d'euros", "en",
            "2024", "porte-avions", "Nouvelle-Calédonie", "œuvre", "État", "prud'homme", "«", "»", "—", "(", ")",
            "les", "élus", "se", "sont", "réunis", "à", "l'Élysée", "mardi", "soir", ";", "ils", "ont", "voté",
            "été", "est", "avions", "son", "sommes", "Straße", "ﬁn", "🙂", "e\u{301}tudiant", "jusqu'au", "lorsqu'on",
        ]
        var text: [String] = []
        for i in 0..<words {
            if let marker, i == markerAt { text.append(marker) }
            text.append(random.pick(vocabulary) + (random.chance(8) ? random.pick([".", ",", " :", "\n", "\r\n"]) : ""))
        }
        return text.joined(separator: random.chance(50) ? " " : "  ")
    }

    func ranges(_ text: String, from offset: Int = 0, analyzer: FrenchAnalyzer) -> [Range<Int>] {
        var text = text
        return text.withUTF8 { bytes in
            var found: [Range<Int>] = []
            analyzer.forEachIndexedWord(UnsafeBufferPointer(rebasing: bytes[offset...])) {
                found.append((offset + $0.lowerBound)..<(offset + $0.upperBound))
                return true
            }
            return found
        }
    }

    func testRestartingAtACheckpointFindsTheSameWords() throws {
        let analyzer = FrenchAnalyzer()
        var hostile = HostileText(seed: 7)
        var checked = 0
        for seed in 0..<120 {
            // French prose, and prose broken by hostile pieces.
            var text = Self.body(seed: UInt64(seed), words: 900)
            if seed % 2 == 1 {
                var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                for _ in 0..<40 { words[hostile.int(in: 0...(words.count - 1))] += hostile.piece().prefix(50) }
                text = words.joined(separator: " ")
            }
            let all = ranges(text, analyzer: analyzer)
            let offsets = BodyWords.checkpoints(Self.checkpoints(wordStarts: all.map(\.lowerBound)))
            XCTAssertEqual(offsets.count, (min(all.count, SnippetBuilder.maximumDepth) - 1) / BodyWords.interval)
            for (k, offset) in offsets.enumerated() {
                let first = (k + 1) * BodyWords.interval
                XCTAssertEqual(offset, all[first].lowerBound)
                let restarted = ranges(text, from: offset, analyzer: analyzer)
                XCTAssertEqual(Array(restarted.prefix(60)), Array(all[first...].prefix(60)), "seed \(seed), checkpoint \(k)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 1_200)
    }

    /// The map holds the words the analyzer finds, as ingest's analysis
    /// ahead finds them too.
    func testTheMapHoldsTheAnalysedWords() throws {
        let analyzer = FrenchAnalyzer()
        var hostile = HostileText(seed: 8)
        for seed in 0..<80 {
            var text = Self.body(seed: UInt64(seed), words: seed % 4 == 0 ? 40 : 900)
            if seed % 2 == 1 {
                var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                for _ in 0..<20 { words[hostile.int(in: 0...(words.count - 1))] += hostile.piece().prefix(50) }
                text = words.joined(separator: " ")
            }
            let all = ranges(text, analyzer: analyzer)
            var copy = text
            let stored = try XCTUnwrap(copy.withUTF8 { BodyWords.encode(body: $0, analyzer: analyzer) })
            let mapped = try XCTUnwrap(BodyWords.words(stored, first: .max))
            XCTAssertEqual(mapped, Array(all.prefix(BodyWords.mappedWords)), "seed \(seed)")
            XCTAssertEqual(BodyWords.words(stored, first: 20), Array(all.prefix(20)))
            if all.count > 100 { XCTAssertLessThan(stored.count, 4 * BodyWords.mappedWords) }
            var tokens: [Range<Int>] = []
            copy.withUTF8 { bytes in
                _ = analyzer.analyze(bytes, mode: .document) { token in
                    tokens.append(token.start..<token.end)
                    return true
                }
            }
            XCTAssertEqual(BodyWords.encode(words: tokens), stored, "seed \(seed)")
        }
    }

    func testDamagedOrMissingMapsDecodeToNone() {
        let map = BodyWords.encode(words: [0..<3, 4..<200, 201..<205])!
        XCTAssertEqual(BodyWords.words(map, first: 10), [0..<3, 4..<200, 201..<205])
        XCTAssertNil(BodyWords.words(map.dropLast(), first: 10), "a cut pair")
        XCTAssertNil(BodyWords.words(Data([BodyWords.wordsFormat, 0x05, 0x85]), first: 10), "a cut varint")
        XCTAssertNil(BodyWords.words(Self.checkpoints(wordStarts: Array(0..<100))!, first: 10), "checkpoints")
        XCTAssertNil(BodyWords.encode(words: [4..<6, 5..<8]), "overlapping words are not mapped")
        XCTAssertNil(BodyWords.encode(words: []))
        XCTAssertEqual(BodyWords.checkpoints(map), [], "a map is no checkpoints")
        // Huge numbers (damage) are refused, not added up until they overflow.
        let huge = [UInt8](repeating: 0xFF, count: 7) + [0x7F]
        XCTAssertNil(BodyWords.words(Data([BodyWords.wordsFormat] + (0..<200).flatMap { _ in huge }), first: 100))
        XCTAssertEqual(BodyWords.checkpoints(Data([UInt8(BodyWords.interval)] + (0..<200).flatMap { _ in huge })), [])
    }

    /// Checkpoints as earlier versions wrote them: the start of every
    /// ``BodyWords/interval``-th word below the maximum depth.
    static func checkpoints(wordStarts: [Int]) -> Data? {
        var out = Data([UInt8(BodyWords.interval)])
        var previous = 0
        for (index, start) in wordStarts.enumerated() {
            guard index < SnippetBuilder.maximumDepth else { break }
            guard index > 0, index % BodyWords.interval == 0 else { continue }
            var delta = UInt(start - previous)
            previous = start
            while delta >= 0x80 {
                out.append(UInt8(delta & 0x7F) | 0x80)
                delta >>= 7
            }
            out.append(UInt8(delta))
        }
        return out.count > 1 ? out : nil
    }

    func testDamagedOrMissingCheckpointsDecodeToNone() {
        XCTAssertEqual(BodyWords.checkpoints(nil), [])
        XCTAssertEqual(BodyWords.checkpoints(Data()), [])
        let interval = UInt8(BodyWords.interval)
        XCTAssertEqual(BodyWords.checkpoints(Data([interval, 0x85])), [])  // a cut varint
        XCTAssertEqual(BodyWords.checkpoints(Data([interval, 0x05, 0x81, 0x01])), [5, 134])
        XCTAssertEqual(BodyWords.checkpoints(Data([interval + 1, 0x05, 0x81, 0x01])), [], "another interval")
        XCTAssertNil(Self.checkpoints(wordStarts: Array(0..<BodyWords.interval)))
        let every = BodyWords.interval
        XCTAssertEqual(BodyWords.checkpoints(Self.checkpoints(wordStarts: (0..<1_000).map { $0 * 300 })),
                       (1...((SnippetBuilder.maximumDepth - 1) / every)).map { $0 * every * 300 })
    }

    /// Deep matches in long bodies, searched with maps of their words, with
    /// earlier versions' checkpoints instead, without either (the rows
    /// deleted), and on a file from before the table.
    func testSnippetsAreTheSameWithAndWithoutCheckpoints() throws {
        let markers = ["hippopotame", "zeppelin", "Tombouctou", "l’aéroglisseur", "marsupiaux"]
        var documents: [(id: String, title: String, lead: String, body: String)] = []
        for i in 0..<40 {
            let body = Self.body(seed: UInt64(100 + i), words: 1_200, marker: markers[i % markers.count], markerAt: 20 + 15 * i)
            documents.append(("d\(i).txt", "Dépêche \(i)", "Une dépêche de test.", body))
        }
        let fixture = try IndexFixture(documents)
        let queries = markers + ["hippopotame gouvernement", "zeppelin régions côtières", "\"porte-avions\" Tombouctou"]
        func snippets(_ index: SearchIndex) throws -> [String] {
            try queries.flatMap { query in
                try index.search(query, limit: 20).hits.map { "\($0.id) \($0.score) \($0.snippet.rendered())" }
            }
        }
        let stored = try fixture.index.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM body_checkpoints") }
        XCTAssertEqual(stored, 40)
        let withMaps = try snippets(fixture.index)
        XCTAssertGreaterThan(withMaps.count, 40)
        for marker in ["hippopotame", "zeppelin", "Tombouctou", "aéroglisseur", "marsupiaux"] {
            XCTAssertTrue(withMaps.contains { $0.contains("[\(marker)]") }, marker)
        }

        let analyzer = FrenchAnalyzer()
        try fixture.index.write { writer in
            for document in documents {
                try writer.db.execute(
                    sql: "UPDATE body_checkpoints SET offsets = ? WHERE rowid = (SELECT rowid FROM documents WHERE id = ?)",
                    arguments: [Self.checkpoints(wordStarts: ranges(document.body, analyzer: analyzer).map(\.lowerBound)),
                                document.id])
            }
        }
        XCTAssertEqual(try fixture.index.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM body_checkpoints WHERE hex(substr(offsets, 1, 1)) = '20'") }, 40)
        XCTAssertEqual(try snippets(fixture.index), withMaps)

        try fixture.index.write { try $0.db.execute(sql: "DELETE FROM body_checkpoints") }
        XCTAssertEqual(try snippets(fixture.index), withMaps)

        try fixture.index.write { try $0.db.execute(sql: "DROP TABLE body_checkpoints") }
        try fixture.index.close()
        let before = try SearchIndex.open(fixture.location, readOnly: true)
        XCTAssertFalse(before.hasBodyWords)
        XCTAssertEqual(try snippets(before), withMaps)
        try before.close()
        // Opened for writing, an older file gets the table.
        let writable = try SearchIndex.open(fixture.location)
        XCTAssertTrue(writable.hasBodyWords)
        XCTAssertEqual(try snippets(writable), withMaps)
        try writable.close()
    }

    /// A checkpoint that does not fit the text (a damaged row) costs time, not a wrong snippet.
    func testACheckpointThatDoesNotFitIsNotUsed() throws {
        let body = Self.body(seed: 3, words: 800, marker: "hippopotame", markerAt: 400)
        let fixture = try IndexFixture([("a.txt", "Titre", "Chapeau.", body)])
        let expected = try fixture.index.search("hippopotame").hits.map { $0.snippet.rendered() }
        XCTAssertEqual(expected.count, 1)
        XCTAssertTrue(expected[0].contains("[hippopotame]"))
        // Every checkpoint moved one byte: no word starts there.
        let moved = Self.checkpoints(wordStarts: ranges(body, analyzer: FrenchAnalyzer()).map { $0.lowerBound + 1 })
        try fixture.index.write {
            try $0.db.execute(sql: "UPDATE body_checkpoints SET offsets = ?", arguments: [moved])
        }
        XCTAssertEqual(try fixture.index.search("hippopotame").hits.map { $0.snippet.rendered() }, expected)
        // A map reaching past the end of the body (a damaged row) is not used either.
        let words = ranges(body, analyzer: FrenchAnalyzer())
        let past = BodyWords.encode(words: words.map { ($0.lowerBound + body.utf8.count)..<($0.upperBound + body.utf8.count) })
        try fixture.index.write {
            try $0.db.execute(sql: "UPDATE body_checkpoints SET offsets = ?", arguments: [past])
        }
        XCTAssertEqual(try fixture.index.search("hippopotame").hits.map { $0.snippet.rendered() }, expected)
    }

    func testCheckpointsFollowEveryChange() throws {
        let fixture = try IndexFixture([])
        let analyzer = FrenchAnalyzer()
        func stored(_ id: String) throws -> Data? {
            try fixture.index.read {
                try Data.fetchOne($0, sql: """
                    SELECT offsets FROM body_checkpoints WHERE rowid = (SELECT rowid FROM documents WHERE id = ?)
                    """, arguments: [id])
            }
        }
        func expected(_ body: String) -> Data? {
            var body = body
            return body.withUTF8 { BodyWords.encode(body: $0, analyzer: analyzer) }
        }
        let first = Self.body(seed: 1, words: 500), second = Self.body(seed: 2, words: 700)
        _ = try fixture.index.write { try $0.upsert(IndexFixture.document("a.txt", "Titre", "Chapeau.", first)) }
        XCTAssertEqual(try stored("a.txt"), expected(first))
        XCTAssertNotNil(try stored("a.txt"))
        _ = try fixture.index.write { try $0.upsert(IndexFixture.document("a.txt", "Titre", "Chapeau.", second)) }
        XCTAssertEqual(try stored("a.txt"), expected(second))
        XCTAssertNotEqual(expected(first), expected(second))
        // Now without an indexed word: no row.
        _ = try fixture.index.write { try $0.upsert(IndexFixture.document("a.txt", "Titre", "Chapeau.", "Et de la… !")) }
        XCTAssertNil(try stored("a.txt"))
        _ = try fixture.index.write { try $0.upsert(IndexFixture.document("a.txt", "Titre", "Chapeau.", first)) }
        _ = try fixture.index.write { try $0.remove(id: "a.txt") }
        XCTAssertEqual(try fixture.index.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM body_checkpoints") }, 0)

        // Analysed ahead, as ingest does: the same checkpoints, from that analysis.
        let documents = (0..<6).map { IndexFixture.document("b\($0).txt", "Titre \($0)", "Chapeau.", Self.body(seed: UInt64(10 + $0), words: 650)) }
        let analyzed = fixture.index.preAnalyze(documents)
        try fixture.index.write { writer in
            for document in documents { try writer.upsert(document) }
        }
        fixture.index.releaseAnalysis(analyzed)
        for document in documents { XCTAssertEqual(try stored(document.id), expected(document.body)) }
    }
}
