/// One article as stored in the index.
public struct Document: Sendable, Equatable {
    /// Path relative to the folder it was ingested from, with `/` separators.
    public var id: String
    /// The folder it was ingested from (absolute), so that `--prune` and
    /// rebuilds know which documents a folder owns.
    public var source: String
    public var title: String
    public var lead: String
    public var body: String
    /// What incremental ingest compares to skip an unchanged file.
    public var file: FileState

    public init(id: String, source: String, title: String, lead: String, body: String, file: FileState) {
        self.id = id
        self.source = source
        self.title = title
        self.lead = lead
        self.body = body
        self.file = file
    }
}

/// What the index remembers of a source file: size and modification time
/// (cheap to compare), and a hash of the bytes (for when only mtime changed).
public struct FileState: Sendable, Equatable {
    public var size: Int64
    public var mtime: Double
    public var hash: String

    public init(size: Int64, mtime: Double, hash: String) {
        self.size = size
        self.mtime = mtime
        self.hash = hash
    }
}
