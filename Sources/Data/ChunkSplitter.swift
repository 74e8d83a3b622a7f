// The BPE pre-splitter: cuts text into chunks that merges never cross, following GPT-2's pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// without a regex engine (a hand-written scanner is simpler to make fast and has no dependency).
// Consequences worth knowing: a single space attaches to the following word/number/punctuation
// run (" the"); in a longer whitespace run before a word, all but the last character form one
// chunk; newlines never join words.

enum ScalarClass: UInt8 {
    case letter, number, space, other
}

/// GPT-2's classes: \p{L} letters, \p{N} numbers, Unicode White_Space, everything else.
/// Bytes that are not valid UTF-8 count as single "other" characters, so any byte string splits.
@inline(__always)
func scalarClass(_ value: UInt32, valid: Bool) -> ScalarClass {
    if !valid { return .other }
    if value < 0x80 { return asciiClass(UInt8(value)) }
    guard let scalar = Unicode.Scalar(value) else { return .other }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
        return .letter
    case .decimalNumber, .letterNumber, .otherNumber:
        return .number
    default:
        return scalar.properties.isWhitespace ? .space : .other
    }
}

/// ASCII classes by arithmetic (no table: a global array costs a lazy-init check per access).
@inline(__always)
func asciiClass(_ b: UInt8) -> ScalarClass {
    if (b | 0x20) &- 0x61 < 26 { return .letter }  // A–Z, a–z
    if b &- 0x30 < 10 { return .number }
    if b == 0x20 || b &- 0x09 < 5 { return .space }  // space, \t \n \v \f \r
    return .other
}

/// Iterates chunk byte ranges over a UTF-8 buffer (no allocation, no closures).
struct ChunkSplitter {
    let base: UnsafePointer<UInt8>
    let end: Int
    private(set) var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        // An empty buffer may have no base address; any non-null pointer works with end == 0.
        base = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
        end = bytes.count
    }

    @inline(__always)
    private func classAt(_ i: Int) -> (ScalarClass, Int) {
        let b = base[i]
        if b < 0x80 { return (asciiClass(b), 1) }
        let d = decodeUTF8(base, at: i, end: end)
        return (scalarClass(d.value, valid: d.valid), d.length)
    }

    @inline(__always)
    private func runEnd(from start: Int, of cls: ScalarClass) -> Int {
        var i = start
        while i < end {
            let (c, len) = classAt(i)
            if c != cls { break }
            i += len
        }
        return i
    }

    /// GPT-2's contractions ('s 't 'm 'd 're 've 'll, lowercase only), matched before anything else.
    @inline(__always)
    private func contractionLength(at i: Int) -> Int? {
        guard i + 1 < end else { return nil }
        switch base[i + 1] {
        case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
        case 0x72, 0x76:  // r v → "re" "ve"
            return i + 2 < end && base[i + 2] == 0x65 ? 3 : nil
        case 0x6C:  // l → "ll"
            return i + 2 < end && base[i + 2] == 0x6C ? 3 : nil
        default: return nil
        }
    }

    mutating func next() -> Range<Int>? {
        let start = position
        guard start < end else { return nil }
        if base[start] == 0x27, let len = contractionLength(at: start) {
            position = start + len
            return start..<position
        }
        if base[start] == 0x20, start + 1 < end {
            let (cls, len) = classAt(start + 1)
            if cls != .space {
                position = runEnd(from: start + 1 + len, of: cls)
                return start..<position
            }
        }
        let (cls, len) = classAt(start)
        if cls != .space {
            position = runEnd(from: start + len, of: cls)
            return start..<position
        }
        // Whitespace run: if non-space follows, its last character is left for the next chunk
        // (a space joins the word; other whitespace stands alone) — GPT-2's \s+(?!\S) then \s+.
        var i = start + len
        var lastStart = start
        while i < end {
            let (c, l) = classAt(i)
            if c != .space { break }
            lastStart = i
            i += l
        }
        position = (i == end || lastStart == start) ? i : lastStart
        return start..<position
    }
}

/// Pre-splits text that arrives in blocks (a streamed corpus) into exactly the chunks
/// `ChunkSplitter` finds in the concatenation of the blocks. A chunk is passed on only when the
/// bytes the splitter may look at to end it are all present; the rest waits in `pending` for the
/// next block. Memory: one block plus the longest chunk (a run of letters, digits, punctuation or
/// whitespace; for natural text a few bytes, for a pathological file the whole run).
struct ChunkStream {
    /// How far past a chunk's end the splitter can read to end it: after a whitespace run's last
    /// character (≤ 4 bytes) it decodes the next character (≤ 4 bytes); contractions read 2
    /// bytes past a quote and runs decode one character past their end, both within this.
    static let lookahead = 8
    private var pending: [UInt8] = []

    /// Splits `block` appended to what is pending; with `final` (the end of the corpus), every
    /// remaining chunk. `body` gets each chunk's bytes, valid only during the call.
    @inline(__always)
    mutating func feed(_ block: UnsafeBufferPointer<UInt8>, final: Bool,
                       _ body: (UnsafePointer<UInt8>, Int) throws -> Void) rethrows {
        pending.append(contentsOf: block)
        let used = try pending.withUnsafeBufferPointer { buf -> Int in
            var splitter = ChunkSplitter(buf)
            var used = 0
            while let r = splitter.next() {
                if !final && r.upperBound + Self.lookahead > buf.count { break }
                try body(splitter.base + r.lowerBound, r.count)
                used = r.upperBound
            }
            return used
        }
        pending.removeFirst(used)
    }
}
