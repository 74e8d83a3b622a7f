// Byte sources for corpus files: a plain file read in blocks, or a gzip file inflated by the
// system zlib as it is read. Both give the bytes in order and hold only fixed-size buffers.

import CZlib
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes in order from a file; `read` returns 0 at the end.
protocol ByteSource: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A regular file read sequentially through its descriptor.
final class FileByteSource: ByteSource {
    let url: URL
    private let fd: Int32

    init(_ url: URL) throws {
        self.url = url
        fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw DataError("\(displayPath(url)): cannot read (\(String(cString: strerror(errno))))") }
    }

    deinit { close(fd) }

    /// Whether the file starts with the gzip magic bytes 1f 8b (read without moving the offset).
    func hasGzipMagic() throws -> Bool {
        var magic: (UInt8, UInt8) = (0, 0)
        let n = withUnsafeMutableBytes(of: &magic) { pread(fd, $0.baseAddress, 2, 0) }
        guard n >= 0 else { throw DataError("\(displayPath(url)): cannot read (\(String(cString: strerror(errno))))") }
        return n == 2 && magic == (0x1F, 0x8B)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = systemRead(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw DataError("\(displayPath(url)): read failed (\(String(cString: strerror(errno))))") }
        }
    }
}

/// read(2), under a name the `read` methods do not shadow.
private func systemRead(_ fd: Int32, _ p: UnsafeMutableRawPointer?, _ n: Int) -> Int { read(fd, p, n) }

/// The decompressed bytes of a gzip file. Concatenated gzip members (`cat a.gz b.gz`, pigz) are
/// read one after another, as `gzip -d` does. A stream that is corrupt or ends before its last
/// member does is an error naming the file: a truncated download must not pass as a short corpus.
final class GzipByteSource: ByteSource {
    private let file: FileByteSource
    // zlib keeps a pointer back to its z_stream, so the struct needs a fixed address.
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var inputEnded = false
    /// Inside a member: input consumed since its header began and its end not yet seen.
    private var inMember = false

    init(_ file: FileByteSource) throws {
        self.file = file
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: 1 << 16, alignment: 16)
        guard windtunnel_inflate_init_gzip(stream) == Z_OK else {
            stream.deallocate()
            input.deallocate()
            throw DataError("\(displayPath(file.url)): zlib could not start (out of memory?)")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let path = displayPath(file.url)
        while true {
            if stream.pointee.avail_in == 0 && !inputEnded {
                let n = try file.read(into: input)
                if n == 0 { inputEnded = true }
                stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = uInt(n)
            }
            if stream.pointee.avail_in == 0 && inputEnded {
                if inMember { throw DataError("\(path): truncated gzip stream (the file ends inside compressed data)") }
                return 0
            }
            inMember = true
            stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(buffer.count)
            let status = inflate(stream, Z_NO_FLUSH)
            let produced = buffer.count - Int(stream.pointee.avail_out)
            switch status {
            case Z_OK, Z_BUF_ERROR:  // progress, or more input needed
                break
            case Z_STREAM_END:
                // A member ended; anything after it must be another member.
                inflateReset(stream)
                inMember = false
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw DataError("\(path): corrupt gzip stream (\(reason))")
            }
            if produced > 0 { return produced }
        }
    }
}
