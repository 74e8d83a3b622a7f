import Foundation
import RunSchema

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// mapping names to {dtype, shape, data_offsets} plus a string-to-string `__metadata__`, then the
/// raw little-endian tensor bytes. `safetensors.torch.load_file` reads what this writes.
///
/// Integrity: `write` records a checksum per tensor in the metadata (`checksums`: name → 16 hex
/// digits of FNV-1a-64 over the tensor's 32-bit words; `checksum`: the algorithm's name), and
/// `File.read` verifies it, so a flipped bit is a "corrupt checkpoint" naming the tensor rather
/// than a silently different resume. Files written before checksums existed still load.
public enum SafeTensors {
    static let checksumAlgorithm = "fnv1a64-u32"

    /// FNV-1a with 64-bit state over 32-bit words: each step is a bijection of the state, so any
    /// change to a single word changes the result (a bit flip is always caught).
    static func checksum(_ values: UnsafeBufferPointer<Float>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        values.withMemoryRebound(to: UInt32.self) { words in
            for w in words { h = (h ^ UInt64(w)) &* 0x0000_0100_0000_01B3 }
        }
        return h
    }

    static func hex(_ x: UInt64) -> String {
        let digits = String(x, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public struct Entry {
        public let name: String
        public let shape: [Int]
        /// Float32 values (only F32 is written or read).
        public let values: UnsafeBufferPointer<Float>
        public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
            self.name = name; self.shape = shape; self.values = values
        }
    }

    /// Writes atomically: a temporary file in the same directory, then a rename.
    public static func write(_ entries: [Entry], metadata: [String: String], to url: URL) throws {
        var metadata = metadata
        var sums: [String: String] = [:]
        for e in entries { sums[e.name] = hex(checksum(e.values)) }
        metadata["checksum"] = checksumAlgorithm
        metadata["checksums"] = String(decoding: try JSONSerialization.data(withJSONObject: sums, options: [.sortedKeys]), as: UTF8.self)
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for e in entries {
            let bytes = e.values.count * 4
            header[e.name] = ["dtype": "F32", "shape": e.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }  // pad with spaces: data starts 8-aligned
        var file = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        for e in entries { file.append(UnsafeBufferPointer(start: UnsafeRawPointer(e.values.baseAddress!).assumingMemoryBound(to: UInt8.self), count: e.values.count * 4)) }
        try file.write(to: url, options: .atomic)
    }

    public struct File {
        public let url: URL
        public let metadata: [String: String]
        public let tensors: [String: (shape: [Int], range: Range<Int>)]
        /// Per tensor, the checksum recorded at write time (empty for files without checksums).
        let checksums: [String: UInt64]
        let data: Data

        /// Copies tensor `name` into `destination`, checking its shape.
        public func read(_ name: String, shape: [Int], into destination: UnsafeMutablePointer<Float>) throws {
            guard let t = tensors[name] else {
                throw CheckpointError("\(url.path): missing tensor '\(name)'")
            }
            guard t.shape == shape else {
                throw CheckpointError("\(url.path): tensor '\(name)' has shape \(t.shape), the model expects \(shape)")
            }
            data.withUnsafeBytes { raw in
                let src = raw.baseAddress! + t.range.lowerBound
                memcpy(destination, src, t.range.count)
            }
            if let expected = checksums[name],
               SafeTensors.checksum(UnsafeBufferPointer(start: destination, count: t.range.count / 4)) != expected {
                throw CheckpointError("\(url.path): corrupt checkpoint: tensor '\(name)' fails its checksum (its bytes changed after it was written)")
            }
        }
    }

    /// Reads and validates the header of a safetensors file; every problem is a `CheckpointError`
    /// naming the file.
    public static func open(_ url: URL) throws -> File {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw CheckpointError("\(url.path): cannot read checkpoint (\(FileErrors.reason(error)))")
        }
        func corrupt(_ why: String) -> CheckpointError { CheckpointError("\(url.path): corrupt checkpoint: \(why)") }
        guard data.count >= 8 else { throw corrupt("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw corrupt("header length \(headerLength) exceeds the file size \(data.count) (truncated?)")
        }
        let start = 8 + Int(headerLength)
        guard let object = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<start)),
              let header = object as? [String: Any] else { throw corrupt("header is not a JSON object") }
        var tensors: [String: (shape: [Int], range: Range<Int>)] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw corrupt("entry '\(name)' lacks dtype/shape/data_offsets")
            }
            guard dtype == "F32" else { throw corrupt("tensor '\(name)' has dtype \(dtype); only F32 is supported") }
            let (lo, hi) = (offsets[0], offsets[1])
            guard lo >= 0, hi >= lo, hi - lo == shape.reduce(1, *) * 4 else {
                throw corrupt("tensor '\(name)' offsets \(offsets) do not match its shape \(shape)")
            }
            guard start + hi <= data.count else {
                throw corrupt("tensor '\(name)' ends at byte \(start + hi) but the file has \(data.count) (truncated?)")
            }
            tensors[name] = (shape, (start + lo)..<(start + hi))
        }
        var checksums: [String: UInt64] = [:]
        if let recorded = metadata["checksums"] {
            guard metadata["checksum"] == checksumAlgorithm,
                  let object = (try? JSONSerialization.jsonObject(with: Data(recorded.utf8))) as? [String: String] else {
                throw corrupt("unreadable checksums (algorithm '\(metadata["checksum"] ?? "none")', expected '\(checksumAlgorithm)')")
            }
            for (name, digits) in object {
                guard let value = UInt64(digits, radix: 16) else { throw corrupt("checksum of '\(name)' is not hex") }
                checksums[name] = value
            }
            // A tensor without its checksum is as suspect as one whose checksum fails.
            if let missing = tensors.keys.sorted().first(where: { checksums[$0] == nil }) {
                throw corrupt("tensor '\(missing)' has no checksum")
            }
        }
        return File(url: url, metadata: metadata, tensors: tensors, checksums: checksums, data: data)
    }
}

public struct CheckpointError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
