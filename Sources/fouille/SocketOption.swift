import ArgumentParser
import FouilleServer

/// `--socket PATH`, shared by the daemon and its clients.
struct SocketOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The daemon's Unix socket.",
            discussion: "Default: $FOUILLE_SOCKET, else $XDG_RUNTIME_DIR/fouille/fouille.sock, else /tmp/fouille-<uid>/fouille.sock.",
            valueName: "path"))
    var socket: String?

    var path: String { socket ?? SocketPath.defaultPath() }

    /// Sends one request; a connection failure or an `ERR` reply ends the
    /// command with a one-line message and a non-zero status.
    func request(_ line: String) throws -> ProtocolClient.Reply {
        let reply: ProtocolClient.Reply
        do {
            reply = try ProtocolClient(path: path).send(line)
        } catch {
            throw Terminal.fail(error)
        }
        guard reply.isOK else {
            Terminal.standardError("fouille: the daemon answered: \(reply.final)")
            throw ExitCode(1)
        }
        return reply
    }
}
