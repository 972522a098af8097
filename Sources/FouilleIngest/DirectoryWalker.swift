import Foundation

/// Finds the articles under a folder: every `.txt` file, recursively.
///
/// Hidden files and folders are skipped, as are other files (counted, not
/// named: a folder of articles often holds images). Symbolic links are not
/// followed unless asked; when they are, a folder reached twice (a link loop)
/// is walked once. It reads names as bytes, so a name that is not UTF-8 or
/// holds control characters is reported, not mangled into a wrong id.
public struct DirectoryWalker: Sendable {
    public var followSymlinks: Bool

    public init(followSymlinks: Bool = false) {
        self.followSymlinks = followSymlinks
    }

    /// A `.txt` file found by the walk.
    public struct Candidate: Sendable, Equatable {
        /// Path relative to the walked folder, `/`-separated: the document id.
        public var id: String
        public var path: String
        public var size: Int64
        public var mtime: Double
    }

    public struct Result: Sendable {
        public var candidates: [Candidate] = []
        /// Files that are not articles (other extensions, hidden, links not followed).
        public var skipped = 0
        /// Things the walk could not use, with the reason.
        public var problems: [(path: String, reason: String, failed: Bool)] = []
    }

    public func walk(_ root: String) -> Result {
        var result = Result()
        var visited = Set<[UInt64]>()
        walk(folder: root, id: "", into: &result, visited: &visited)
        result.candidates.sort { $0.id < $1.id }
        return result
    }

    private func walk(folder: String, id: String, into result: inout Result, visited: inout Set<[UInt64]>) {
        var folderStat = stat()
        guard stat(folder, &folderStat) == 0 else {
            result.problems.append((folder, "cannot read folder: \(String(cString: strerror(errno)))", true))
            return
        }
        guard visited.insert([UInt64(folderStat.st_dev), UInt64(folderStat.st_ino)]).inserted else {
            result.problems.append((folder, "folder already walked (symbolic link loop), skipped", false))
            return
        }
        guard let dir = opendir(folder) else {
            result.problems.append((folder, "cannot read folder: \(String(cString: strerror(errno)))", true))
            return
        }
        var entries: [[UInt8]] = []
        // A dirent is only as long as its name (d_reclen): copying the
        // declared 256-byte d_name could read past the end of the buffer
        // readdir fills, and did crash once. Read up to the NUL, in place.
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        while let entry = readdir(dir) {
            let start = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self)
            let name = Array(UnsafeRawBufferPointer(start: start, count: strlen(start)))
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            entries.append(name)
        }
        closedir(dir)
        // In name order, so that the walk (and which path a followed link
        // reaches a folder by) does not depend on the file system's order.
        entries.sort { $0.lexicographicallyPrecedes($1) }

        for name in entries {
            let path = folder + "/" + String(decoding: name, as: UTF8.self)
            if name.first == 0x2E {
                result.skipped += 1
                continue
            }
            guard let text = String(validating: name, as: UTF8.self) else {
                result.problems.append((path, "file name is not valid UTF-8, skipped", false))
                continue
            }
            if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                result.problems.append((path, "file name holds control characters, skipped", false))
                continue
            }
            var info = stat()
            guard lstat(path, &info) == 0 else {
                result.problems.append((path, "vanished during the walk", true))
                continue
            }
            if (info.st_mode & S_IFMT) == S_IFLNK {
                guard followSymlinks else {
                    result.skipped += 1
                    continue
                }
                guard stat(path, &info) == 0 else {
                    result.problems.append((path, "broken symbolic link, skipped", false))
                    continue
                }
            }
            let childID = id.isEmpty ? text : id + "/" + text
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                walk(folder: path, id: childID, into: &result, visited: &visited)
            case S_IFREG where text.lowercased().hasSuffix(".txt"):
                let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
                result.candidates.append(Candidate(id: childID, path: path, size: Int64(info.st_size), mtime: mtime))
            default:
                result.skipped += 1
            }
        }
    }
}
