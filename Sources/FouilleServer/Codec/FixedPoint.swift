import Foundation

/// Numbers with a fixed count of decimals, as C's `printf("%.*f")` writes
/// them. Foundation's `String(format:)` parses its format and builds a
/// CoreFoundation string on every call: it took a thirtieth of the daemon's
/// time, for each hit's score. The C library writes the same digits.
enum FixedPoint {
    static func text(_ value: Double, decimals: Int) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 48) { buffer -> String in
            let written = withVaList([Int32(decimals), value]) { vsnprintf(buffer.baseAddress, buffer.count, "%.*f", $0) }
            guard written > 0, Int(written) < buffer.count else { return String(format: "%.\(decimals)f", value) }
            return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(written)), as: UTF8.self)
        }
    }
}
