// Byte-level UTF-8 scanning shared by the char tokenizer, the BPE pre-splitter and input
// validation. We scan raw bytes rather than Swift Characters: tokenizers work on Unicode scalars
// (Python str code points, like nanoGPT), and byte offsets are what error messages and chunk
// spans need.

/// Decodes the scalar starting at `i` (strict UTF-8, Unicode Table 3-7: no overlongs, surrogates
/// or values above U+10FFFF). Invalid or truncated sequences decode as the single byte at `i`
/// with `valid == false`, so callers can always make progress.
@inline(__always)
func decodeUTF8(_ p: UnsafePointer<UInt8>, at i: Int, end n: Int) -> (value: UInt32, length: Int, valid: Bool) {
    let b0 = p[i]
    if b0 < 0x80 { return (UInt32(b0), 1, true) }
    @inline(__always) func cont(_ j: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> UInt32? {
        guard j < n else { return nil }
        let b = p[j]
        return (b >= lo && b <= hi) ? UInt32(b & 0x3F) : nil
    }
    let invalid = (UInt32(b0), 1, false)
    switch b0 {
    case 0xC2...0xDF:
        guard let c1 = cont(i + 1) else { return invalid }
        return ((UInt32(b0 & 0x1F) << 6) | c1, 2, true)
    case 0xE0...0xEF:
        let lo: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80
        let hi: UInt8 = b0 == 0xED ? 0x9F : 0xBF
        guard let c1 = cont(i + 1, lo, hi), let c2 = cont(i + 2) else { return invalid }
        return ((UInt32(b0 & 0x0F) << 12) | (c1 << 6) | c2, 3, true)
    case 0xF0...0xF4:
        let lo: UInt8 = b0 == 0xF0 ? 0x90 : 0x80
        let hi: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF
        guard let c1 = cont(i + 1, lo, hi), let c2 = cont(i + 2), let c3 = cont(i + 3) else { return invalid }
        return ((UInt32(b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4, true)
    default:
        return invalid
    }
}

/// The byte offset of the first invalid UTF-8 sequence, or nil when `bytes` is valid UTF-8.
public func firstInvalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let p = bytes.baseAddress else { return nil }
    let n = bytes.count
    var i = 0
    while i < n {
        if p[i] < 0x80 { i += 1; continue }
        let d = decodeUTF8(p, at: i, end: n)
        if !d.valid { return i }
        i += d.length
    }
    return nil
}

/// Appends the UTF-8 encoding of `scalar` to `out`.
@inline(__always)
func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
    let v = scalar.value
    switch v {
    case 0..<0x80:
        out.append(UInt8(v))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | (v >> 6)))
        out.append(UInt8(0x80 | (v & 0x3F)))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | (v >> 12)))
        out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (v & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (v >> 18)))
        out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (v & 0x3F)))
    }
}
