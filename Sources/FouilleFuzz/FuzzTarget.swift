import FouilleIndex
import FouilleServer
import Foundation
import NIOCore

/// A libFuzzer target: bytes as a client would send them, through the
/// request decoder, request parsing and the query parser, run against a real
/// index. A crash, an unexpected error (anything but what the protocol
/// allows) or a query past 5 s stops the fuzzer with the input that did it.
///
/// Built by `scripts/fuzz` with `-sanitize=fuzzer,address -DFUZZING`; built
/// plainly, it replays inputs given as files (`fouille-fuzz CRASH-FILE...`).
enum FuzzHarness {
    /// A small index in a temporary folder, made once per process.
    static let index: SearchIndex = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fouille-fuzz-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        let location = IndexLocation(path: folder.appendingPathComponent("index").path)
        do {
            let index = try SearchIndex.open(location, creating: true)
            try index.write { writer in
                for (i, (title, lead, body)) in articles.enumerated() {
                    try writer.upsert(Document(
                        id: "2025/\(i).txt", source: "/fuzz", title: title, lead: lead, body: body,
                        file: FileState(size: Int64(body.utf8.count), mtime: 1_750_000_000, hash: "h\(i)")))
                }
            }
            atexit { try? FileManager.default.removeItem(atPath: FileManager.default.temporaryDirectory.appendingPathComponent("fouille-fuzz-\(getpid())").path) }
            return index
        } catch {
            fatalError("cannot build the fuzzing index: \(error)")
        }
    }()

    static let articles = [
        ("Vladimir Poutine et Kim Jong-un s'engagent à renforcer la coopération",
         "Les deux dirigeants se sont parlé au téléphone mardi.",
         "La Russie et la Corée du Nord renforcent leur partenariat stratégique. Les États-Unis s’inquiètent."),
        ("Canicule : le Sud-Ouest en vigilance rouge", "Jusqu'à 42 °C attendus à Bordeaux.",
         "Les écoles ferment plus tôt et les événements en plein air sont reportés. Aujourd’hui, l’œuvre attend."),
        ("NEAR, AND, OR et NOT : les mots d'une requête", "Un titre:colonne et des \"guillemets\" (entre parenthèses).",
         "Le signe ^ et l'étoile * ne sont que du texte ; limit=5 non plus. 🙂 Straße ﬁn Ｐａｒｉｓ."),
    ]

    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count >= 2 else { return }
        let maximumLength = [16, 256, 4096, 65_536][Int(bytes[0]) % 4]
        let chunk = Int(bytes[1]) + 1
        let input = UnsafeBufferPointer(rebasing: bytes[2...])

        // The decoder, fed in chunks: at most one line held, frames in order.
        var decoder = RequestDecoder(maximumLength: maximumLength)
        var buffer = ByteBuffer()
        var frames: [RequestFrame] = []
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + chunk)
            buffer.writeBytes(input[offset..<end])
            offset = end
            while let frame = decoder.next(&buffer) { frames.append(frame) }
            precondition(buffer.readableBytes <= maximumLength + 1, "the decoder held more than one line")
        }
        if let tooLong = frames.firstIndex(of: .tooLong) {
            precondition(tooLong == frames.count - 1, "frames after a line too long")
        }

        for frame in frames {
            guard case .line(let line) = frame else { continue }
            precondition(line.readableBytes <= maximumLength)
            guard let text = String(validating: line.readableBytesView, as: UTF8.self) else { continue }
            let request: Request
            do throws(ProtocolError) {
                request = try Request.parse(text, maximumLimit: 1000)
            } catch {
                precondition(error.code == .unknownCommand || error.code == .badArgument, "\(error)")
                continue
            }
            answer(request)
        }
        // The whole input as one query, as a search box would send it.
        answer(.search(query: String(decoding: input, as: UTF8.self), limit: Int(bytes[1]) % 20, offset: Int(bytes[0]) % 4))
    }

    static func answer(_ request: Request) {
        let started = DispatchTime.now()
        do {
            switch request {
            case .search(let query, let limit, let offset):
                let results = try index.search(query, limit: limit, offset: offset, timeLimit: .seconds(5))
                precondition(results.hits.count <= limit)
                let total = try index.count(query, timeLimit: .seconds(5))
                precondition(total == results.total, "COUNT and SEARCH disagree")
            case .count(let query):
                _ = try index.count(query, timeLimit: .seconds(5))
            case .suggest(let prefix, let limit):
                let suggestions = try index.suggestions(for: prefix, limit: limit, timeLimit: .seconds(5))
                precondition(suggestions.count <= limit)
            case .ping, .stats, .reload, .help, .quit:
                break
            }
        } catch {
            fatalError("\(request) failed: \(error)")
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        precondition(seconds < 5, "\(request) took \(seconds) s")
    }
}

#if FUZZING
// libFuzzer's own entry point, called from ours: SwiftPM names an
// executable's entry point itself, so libFuzzer's `main` cannot be used.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The entry point libFuzzer's own `main` looks for, when the linker keeps it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    FuzzHarness.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}
#endif

@main
struct FuzzMain {
    static func main() throws {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
        #else
        // Replays inputs (a crash file libFuzzer left, say) without instrumentation.
        for path in CommandLine.arguments.dropFirst() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            bytes.withUnsafeBufferPointer { FuzzHarness.run($0) }
            print("\(path): ok")
        }
        #endif
    }
}
