import FouilleIndex
import FouilleServer
import Foundation
import Logging
import ServiceLifecycle
import XCTest

/// A real daemon for a test: an index written from the test's own articles,
/// `SearchServer` on a temporary Unix socket, stopped gracefully at the end.
final class TestDaemon: @unchecked Sendable {
    let folder: URL
    let location: IndexLocation
    let socketPath: String
    let server: SearchServer
    private let group: ServiceGroup
    private var running: Task<Void, any Error>?

    init(
        _ articles: [(id: String, title: String, lead: String, body: String)] = TestDaemon.articles,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) async throws {
        folder = URL(fileURLWithPath: "/tmp/fouille-server-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        location = IndexLocation(path: folder.appendingPathComponent("index").path)
        socketPath = folder.appendingPathComponent("run/fouille.sock").path
        let index = try SearchIndex.open(location, creating: true)
        try index.write { writer in
            for article in articles { try writer.upsert(Self.document(article)) }
        }
        try index.close()
        var configuration = ServerConfiguration(index: location, socketPath: socketPath)
        configuration.generationCheckInterval = .milliseconds(100)
        configure(&configuration)
        let logger = Logger(label: "test-daemon") { _ in SwiftLogNoOpLogHandler() }
        server = SearchServer(configuration: configuration, logger: logger)
        group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: server)], logger: logger))
        let group = self.group
        running = Task { try await group.run() }
        await server.waitUntilReady()
    }

    static func document(_ article: (id: String, title: String, lead: String, body: String)) -> Document {
        Document(
            id: article.id, source: "/articles", title: article.title, lead: article.lead, body: article.body,
            file: FileState(size: Int64(article.body.utf8.count), mtime: 1_750_000_000, hash: article.id))
    }

    /// Shuts down as on SIGTERM and waits until the server has stopped.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running?.value
        running = nil
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
    }

    func client() throws -> ProtocolClient { try ProtocolClient(path: socketPath, timeout: 10) }

    /// Adds articles to the served generation, as a concurrent `fouille ingest` does.
    func add(_ articles: [(id: String, title: String, lead: String, body: String)]) throws {
        let index = try SearchIndex.open(location)
        try index.write { writer in
            for article in articles { try writer.upsert(Self.document(article)) }
        }
        try index.close()
    }

    static let articles: [(id: String, title: String, lead: String, body: String)] = [
        ("2025/08/poutine-kim.txt",
         "Vladimir Poutine et Kim Jong-un s'engagent à renforcer la coopération",
         "Les deux dirigeants se sont parlé au téléphone mardi.",
         "La Russie et la Corée du Nord renforcent leur partenariat stratégique."),
        ("2025/08/canicule.txt",
         "Canicule : le Sud-Ouest en vigilance rouge",
         "Jusqu'à 42 °C attendus à Bordeaux.",
         "Les écoles ferment plus tôt et les événements en plein air sont reportés."),
        ("2025/09/nickel.txt",
         "Nouvelle-Calédonie : l'usine de nickel à l'arrêt",
         "Les salariés craignent pour leur emploi.",
         "Le cours du nickel s'effondre ; l'archipel cherche des repreneurs."),
    ]
}


/// A raw connection, for what `ProtocolClient` would never send: partial
/// lines, invalid UTF-8, pipelined batches.
typealias RawConnection = LineSocket

extension LineSocket {
    convenience init(_ path: String) throws {
        try self.init(path: path, timeout: 10)
    }

    func send(_ bytes: [UInt8]) { write(bytes) }
    func send(_ text: String) { write(Array(text.utf8)) }

    /// Lines up to and including the next final `OK`/`ERR` line.
    func readResponse() -> [String] {
        var lines: [String] = []
        while let line = readLine() {
            lines.append(line)
            if line.hasPrefix("OK") || line.hasPrefix("ERR") { break }
        }
        return lines
    }

    /// True when the server has closed the connection.
    var isClosedByServer: Bool { readLine() == nil }
}
