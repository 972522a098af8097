/// A bounded memo of surface word → term, so that ICU folding and Snowball
/// run once per distinct spelling rather than once per occurrence.
///
/// Word frequencies are Zipfian: a few thousand spellings make most of any
/// text. Two generations give an approximate LRU at the cost of two hash
/// lookups: when the young generation is full it becomes the old one, and
/// whatever was not looked up since is dropped with the previous old one.
struct TermCache {
    /// `nil` is cached too (a stop word), stored as the empty string.
    private var young: [String: String] = [:]
    private var old: [String: String] = [:]
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity / 2)
        young.reserveCapacity(self.capacity)
    }

    /// The term for the word spelled by `bytes` (UTF-8).
    mutating func term(for bytes: UnsafeBufferPointer<UInt8>, compute: (String) -> String?) -> String? {
        term(for: String(decoding: bytes, as: UTF8.self), compute: compute)
    }

    mutating func term(for word: String, compute: (String) -> String?) -> String? {
        if let hit = young[word] { return hit.isEmpty ? nil : hit }
        let term: String
        if let hit = old[word] {
            term = hit
        } else {
            term = compute(word) ?? ""
        }
        if young.count >= capacity {
            old = young
            young = [:]
            young.reserveCapacity(capacity)
        }
        young[word] = term
        return term.isEmpty ? nil : term
    }

    var count: Int { young.count + old.count }
}
