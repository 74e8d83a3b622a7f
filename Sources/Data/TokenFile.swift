// Memory-mapped token files. Two on-disk layouts:
// - nanoGPT: headerless little-endian uint16 tokens (`numpy.memmap(path, dtype=np.uint16)`).
// - llm.c shard: 256 little-endian int32 header (magic 20240520, version 1 = uint16 tokens,
//   token count), then the tokens as uint16. The file size must match the header exactly.
// The mapping is read-only and private; the OS pages tokens in as they are touched.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum TokenFileLayout: String, Codable, Sendable {
    case nanoGPT
    case llmcShard
}

public enum LLMCShard {
    public static let magic: Int32 = 20240520
    public static let headerInts = 256
    public static let headerBytes = 256 * 4
    /// Version 1 stores GPT-2-style uint16 tokens (version 2, uint32 llama-3 tokens, is not read).
    public static let uint16Version: Int32 = 1
}

/// One token file, mapped read-only. Immutable after init, so it is safe to share.
public final class TokenFile: @unchecked Sendable {
    public let url: URL
    public let layout: TokenFileLayout
    /// The tokens, valid as long as this object lives.
    public let tokens: UnsafeBufferPointer<UInt16>
    private let mapping: UnsafeMutableRawPointer?
    private let mappedBytes: Int

    public var count: Int { tokens.count }

    public init(url: URL, layout: TokenFileLayout) throws {
        let path = displayPath(url)
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
            throw DataError("\(path): cannot open token file (\(reason))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DataError("\(path): cannot stat (\(String(cString: strerror(errno))))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw DataError("\(path): not a regular file") }
        let size = Int(info.st_size)

        let dataOffset: Int
        switch layout {
        case .nanoGPT:
            guard size % 2 == 0 else {
                throw DataError("\(path): size \(size) bytes is odd; expected headerless uint16 tokens (2 bytes each)")
            }
            dataOffset = 0
        case .llmcShard:
            dataOffset = LLMCShard.headerBytes
            guard size >= dataOffset else {
                throw DataError("\(path): \(size) bytes is shorter than the llm.c shard header (\(dataOffset) bytes)")
            }
        }

        var base: UnsafeMutableRawPointer? = nil
        if size > 0 {
            let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
            guard let p, p != MAP_FAILED else {
                throw DataError("\(path): mmap failed (\(String(cString: strerror(errno))))")
            }
            base = p
        }
        mapping = base
        mappedBytes = size
        var tokenCount = (size - dataOffset) / 2
        if layout == .llmcShard, let base {
            let header = base.assumingMemoryBound(to: Int32.self)
            let magic = Int32(littleEndian: header[0]), version = Int32(littleEndian: header[1])
            let declared = Int(Int32(littleEndian: header[2]))
            let problem: String?
            if magic != LLMCShard.magic {
                problem = "bad magic \(magic) (expected llm.c shard magic \(LLMCShard.magic))"
            } else if version != LLMCShard.uint16Version {
                problem = "unsupported llm.c shard version \(version) (expected \(LLMCShard.uint16Version) = uint16 tokens)"
            } else if declared < 0 || dataOffset + 2 * declared != size {
                problem = "header says \(declared) tokens (\(dataOffset) + \(2 * max(declared, 0)) bytes) but the file has \(size) bytes (truncated or not an llm.c shard?)"
            } else {
                problem = nil
            }
            if let problem {
                munmap(base, size)
                throw DataError("\(path): \(problem)")
            }
            tokenCount = declared
        }
        self.url = url
        self.layout = layout
        if let base {
            tokens = UnsafeBufferPointer(start: (base + dataOffset).assumingMemoryBound(to: UInt16.self), count: tokenCount)
        } else {
            tokens = UnsafeBufferPointer(start: nil, count: 0)
        }
    }

    deinit {
        if let mapping { munmap(mapping, mappedBytes) }
    }

    /// The largest token id, or nil for an empty file. One pass over the mapping.
    public func maxToken() -> UInt16? {
        guard let p = tokens.baseAddress, tokens.count > 0 else { return nil }
        return maxUInt16(p, tokens.count)
    }
}

/// Max over a uint16 buffer; a plain loop the optimiser vectorises.
func maxUInt16(_ p: UnsafePointer<UInt16>, _ n: Int) -> UInt16 {
    var m: UInt16 = 0
    for i in 0..<n { m = max(m, p[i]) }
    return m
}
