import Foundation

/// Where the daemon listens, and how to claim that path safely.
public enum SocketPath {
    /// `FOUILLE_SOCKET`, else `$XDG_RUNTIME_DIR/fouille/fouille.sock`, else
    /// `/tmp/fouille-<uid>/fouille.sock`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["FOUILLE_SOCKET"], !path.isEmpty { return path }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/fouille/fouille.sock" }
        return "/tmp/fouille-\(getuid())/fouille.sock"
    }

    public enum ClaimError: Error, CustomStringConvertible, Equatable {
        case alreadyServed(String)
        case notASocket(String)
        case tooLong(String)
        case cannotCreateFolder(String, String)
        case cannotRemove(String, String)
        case cannotListen(String, String)

        public var description: String {
            switch self {
            case .alreadyServed(let path):
                return "a fouille daemon already listens on \(path); stop it first, or choose another --socket"
            case .notASocket(let path):
                return "\(path) exists and is not a socket; not touching it (choose another --socket)"
            case .tooLong(let path):
                return "the socket path \(path) is too long for a Unix socket (at most 107 bytes)"
            case .cannotCreateFolder(let path, let reason):
                return "cannot create the socket folder \(path): \(reason)"
            case .cannotRemove(let path, let reason):
                return "cannot remove the stale socket \(path): \(reason)"
            case .cannotListen(let path, let reason):
                return "cannot listen on \(path): \(reason)"
            }
        }
    }

    /// Makes `path` free to bind: creates its folder (mode 0755) if missing,
    /// and removes a stale socket nobody listens on. A live daemon or a file
    /// that is not a socket is never touched.
    public static func claim(_ path: String) throws(ClaimError) {
        guard path.utf8.count < 108 else { throw .tooLong(path) }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            } catch {
                throw .cannotCreateFolder(folder, (error as NSError).localizedDescription)
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { throw .notASocket(path) }
        switch probe(path) {
        case 0: throw .alreadyServed(path)
        default:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw .cannotRemove(path, String(cString: strerror(errno)))
            }
        }
    }

    /// Connects to `path` and hangs up: 0 when something listens, else the errno.
    static func probe(_ path: String) -> Int32 {
        do {
            _ = try LineSocket(path: path, timeout: 1)
            return 0
        } catch {
            return error.code
        }
    }
}
