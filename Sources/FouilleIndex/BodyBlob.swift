import GRDB
import GRDBSQLite

/// Bodies of `documents`, read through one SQLite blob handle moved from
/// row to row, a prefix at a time: a column selected in a query is loaded
/// whole, overflow page after overflow page, however little of it a
/// snippet reads.
///
/// The handle reads inside the current read transaction; ``close()`` must
/// come before that transaction ends.
final class BodyBlob {
    private let db: Database
    private var handle: OpaquePointer?
    private var buffer: UnsafeMutableRawBufferPointer = .init(start: nil, count: 0)

    init(_ db: Database) {
        self.db = db
    }

    /// The body of the document at `rowid`, valid until the next call.
    func body(rowid: Int64) throws -> Body {
        if let handle {
            try check(sqlite3_blob_reopen(handle, rowid))
        } else {
            var opened: OpaquePointer?
            let code = sqlite3_blob_open(db.sqliteConnection, "main", "documents", "body", rowid, 0, &opened)
            handle = opened
            try check(code)
        }
        return Body(blob: self, count: Int(sqlite3_blob_bytes(handle)))
    }

    func close() {
        if let handle { sqlite3_blob_close(handle) }
        handle = nil
        buffer.deallocate()
        buffer = .init(start: nil, count: 0)
    }

    deinit { close() }

    struct Body: BodyPrefix {
        fileprivate let blob: BodyBlob
        let count: Int

        func withPrefix<T>(_ bytes: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T {
            let length = min(max(0, bytes), count)
            guard length > 0 else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
            return try body(blob.read(length))
        }
    }

    private func read(_ length: Int) throws -> UnsafeBufferPointer<UInt8> {
        if buffer.count < length {
            buffer.deallocate()
            buffer = .allocate(byteCount: max(length, 2 * buffer.count, 4096), alignment: 1)
        }
        try check(sqlite3_blob_read(handle, buffer.baseAddress, Int32(length), 0))
        return UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: length)
    }

    private func check(_ code: Int32) throws {
        guard code != SQLITE_OK else { return }
        throw DatabaseError(
            resultCode: ResultCode(rawValue: code), message: db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) })
    }
}
