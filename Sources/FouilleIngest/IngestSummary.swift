/// What an ingest run did, file by file, counted.
public struct IngestSummary: Sendable, Equatable {
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    public var removed = 0
    /// Files that are not articles (not `.txt`, hidden, links not followed, empty).
    public var skipped = 0
    /// Articles that could not be indexed (unreadable, binary, too large, vanished).
    public var failed = 0
    /// Bytes of the files read and analysed.
    public var bytes: Int64 = 0
    public var seconds: Double = 0

    public init() {}

    public var megabytesPerSecond: Double {
        seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0
    }

    /// `added=… updated=… unchanged=… removed=… skipped=… failed=…`
    public var counts: String {
        "added=\(added) updated=\(updated) unchanged=\(unchanged) removed=\(removed) skipped=\(skipped) failed=\(failed)"
    }
}

/// Where a long ingest stands, for a progress line.
public struct IngestProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var bytesDone: Int64
    public var bytesTotal: Int64
    public var seconds: Double

    public var megabytesPerSecond: Double {
        seconds > 0 ? Double(bytesDone) / 1_048_576 / seconds : 0
    }

    /// Seconds left at the pace so far, once there is a pace.
    public var secondsLeft: Double? {
        guard bytesDone > 0, seconds > 0.5 else { return nil }
        return Double(bytesTotal - bytesDone) / (Double(bytesDone) / seconds)
    }
}
