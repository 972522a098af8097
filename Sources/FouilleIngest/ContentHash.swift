/// A 64-bit FNV-1a hash of a file's bytes, in hex: enough to tell whether a
/// file whose modification time changed still holds the same bytes.
/// (Not a defence against anyone crafting collisions; it need not be.)
enum ContentHash {
    static func of(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
