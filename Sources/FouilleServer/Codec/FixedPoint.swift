import CFixedPoint

/// Numbers with a fixed count of decimals, as C's `printf("%.*f")` writes
/// them. Foundation's `String(format:)` parses its format and builds a
/// CoreFoundation string on every call: it took a thirtieth of the daemon's
/// time, for each hit's score. Calling `vsnprintf` through a Swift `va_list`
/// still cost a fiftieth; a C function calls `snprintf` directly.
enum FixedPoint {
    static func text(_ value: Double, decimals: Int) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 48) { buffer -> String in
            let written = fouille_fixed_point(buffer.baseAddress, Int32(buffer.count), value, Int32(decimals))
            if written > 0, Int(written) < buffer.count {
                return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(written)), as: UTF8.self)
            }
            // Past 47 characters: a huge number, written in a buffer of its size.
            let size = Int(max(written, 0)) + 1
            return String(unsafeUninitializedCapacity: size) { text in
                _ = text.withMemoryRebound(to: CChar.self) { fouille_fixed_point($0.baseAddress, Int32(size), value, Int32(decimals)) }
                return size - 1
            }
        }
    }
}
