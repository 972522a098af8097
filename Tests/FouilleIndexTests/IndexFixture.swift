import FouilleIndex
import Foundation
import XCTest

/// A real index in a temporary folder, filled with articles written here.
final class IndexFixture {
    let folder: URL
    let location: IndexLocation
    let index: SearchIndex

    init(_ documents: [(id: String, title: String, lead: String, body: String)] = IndexFixture.news) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fouille-test-\(UUID().uuidString)")
        location = IndexLocation(path: folder.appendingPathComponent("index").path)
        index = try SearchIndex.open(location, creating: true)
        try index.write { writer in
            for d in documents {
                try writer.upsert(Self.document(d.id, d.title, d.lead, d.body))
            }
        }
    }

    static func document(_ id: String, _ title: String, _ lead: String, _ body: String) -> Document {
        Document(
            id: id, source: "/corpus", title: title, lead: lead, body: body,
            file: FileState(size: Int64(body.utf8.count), mtime: 1_700_000_000, hash: "h-\(id)"))
    }

    deinit {
        try? index.close()
        try? FileManager.default.removeItem(at: folder)
    }

    func ids(_ query: String, limit: Int = 10, offset: Int = 0) throws -> [String] {
        try index.search(query, limit: limit, offset: offset).hits.map(\.id)
    }

    /// Articles in the shape of French news, each with words the tests look for.
    static let news: [(id: String, title: String, lead: String, body: String)] = [
        ("2025/08/poutine-kim.txt",
         "Vladimir Poutine et Kim Jong-un s'engagent à renforcer la coopération",
         "Les deux dirigeants ont évoqué leur partenariat lors d’un appel mardi.",
         "La Russie et la Corée du Nord veulent renforcer leur coopération militaire. Les États-Unis s’inquiètent de ce rapprochement."),
        ("2025/07/caledonie.txt",
         "Nouvelle-Calédonie : l’accord de Bougival en discussion",
         "Les élus calédoniens examinent le texte signé cet été.",
         "Aujourd’hui, le Congrès de Nouvelle-Calédonie débat de l'avenir institutionnel de l’archipel. Les événements de 2024 restent dans les mémoires."),
        ("2025/06/tourisme.txt",
         "Le tourisme reprend en Bretagne",
         "Les activités estivales attirent de nouveau les visiteurs.",
         "Les campings affichent complet et les restaurateurs se réjouissent d’un été ensoleillé. L'œuvre des bénévoles est saluée."),
        ("2025/05/aviation.txt",
         "Les compagnies aériennes commandent de nouveaux avions",
         "Le salon du Bourget s’ouvre sur des commandes record.",
         "Les avions long-courriers sont les plus demandés ; le son des réacteurs a été réduit de moitié. Vent d’est sur la piste."),
        ("2025/04/economie.txt",
         "L’inflation ralentit en zone euro",
         "La Banque centrale européenne observe une détente des prix.",
         "Les sommes consacrées à l’énergie baissent. Les ménages retrouvent du pouvoir d’achat, selon l’Insee."),
    ]
}
