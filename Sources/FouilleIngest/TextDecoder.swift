/// Turns a file's bytes into text, saying what it had to do.
///
/// French files are UTF-8 nowadays, but archives hold Windows-1252 and
/// Latin-1 (transcoded, with a warning), UTF-16 with a byte-order mark
/// (transcoded), and files with a few broken bytes (replaced by U+FFFD, with a
/// warning). Binary content is refused: indexing it would fill the
/// vocabulary with noise.
public enum TextDecoder {
    public enum Outcome: Equatable, Sendable {
        case text(String, warning: String?)
        case binary(reason: String)
    }

    public static func decode(_ bytes: [UInt8]) -> Outcome {
        if bytes.starts(with: [0xFF, 0xFE]) {
            return .text(utf16(bytes.dropFirst(2), littleEndian: true), warning: "UTF-16 (little-endian) transcoded to UTF-8")
        }
        if bytes.starts(with: [0xFE, 0xFF]) {
            return .text(utf16(bytes.dropFirst(2), littleEndian: false), warning: "UTF-16 (big-endian) transcoded to UTF-8")
        }
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        if let reason = binaryReason(body) { return .binary(reason: reason) }
        let scan = UTF8Scan(body)
        if scan.invalid == 0 { return .text(String(decoding: body, as: UTF8.self), warning: nil) }
        if scan.validMultibyte == 0 {
            return .text(windows1252(body), warning: "not UTF-8: read as Windows-1252 (Latin-1) and transcoded")
        }
        return .text(
            String(decoding: body, as: UTF8.self),
            warning: "invalid UTF-8: \(scan.invalid) bad byte sequence(s) replaced by U+FFFD")
    }

    /// NUL bytes never occur in text; many other control bytes mean a binary format.
    static func binaryReason(_ bytes: [UInt8]) -> String? {
        let sample = bytes.prefix(8192)
        if sample.contains(0) { return "binary content (NUL bytes)" }
        let controls = sample.filter { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0x0C }.count
        if !sample.isEmpty, controls * 10 > sample.count { return "binary content (control bytes)" }
        return nil
    }

    private static func utf16(_ bytes: ArraySlice<UInt8>, littleEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = bytes.startIndex
        while i + 1 < bytes.endIndex {
            let a = UInt16(bytes[i]), b = UInt16(bytes[i + 1])
            units.append(littleEndian ? a | b << 8 : a << 8 | b)
            i += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    /// Windows-1252's 0x80–0x9F; the five bytes it leaves undefined read as Latin-1.
    private static let windows1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]

    static func windows1252(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        for b in bytes {
            let value = (0x80...0x9F).contains(b) ? windows1252High[Int(b) - 0x80] : UInt32(b)
            scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
        }
        return String(scalars)
    }
}

/// Counts well-formed multi-byte sequences and malformed ones in UTF-8 bytes:
/// a file with only malformed ones is in an 8-bit encoding, a file with both
/// is UTF-8 with damage.
struct UTF8Scan {
    var validMultibyte = 0
    var invalid = 0

    init(_ bytes: [UInt8]) {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            var minimumSecond: UInt8 = 0x80, maximumSecond: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; minimumSecond = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; maximumSecond = 0x9F
            case 0xF0: length = 4; minimumSecond = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; maximumSecond = 0x8F
            default: invalid += 1; i += 1; continue
            }
            // The lead byte and the continuation bytes that fit it: a sequence
            // cut short is one bad sequence (one U+FFFD when decoded), not one per byte.
            var end = i + 1
            if end < n, (minimumSecond...maximumSecond).contains(bytes[end]) {
                end += 1
                while end < min(n, i + length), (0x80...0xBF).contains(bytes[end]) { end += 1 }
            }
            if end - i == length { validMultibyte += 1 } else { invalid += 1 }
            i = end
        }
    }
}
