// Whole-file writes that never leave a partial file under the final name: write a temp file in
// the same directory, fsync, rename over the target (rename is atomic within a filesystem).

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func writeFileAtomically(_ url: URL, bytes: UnsafeRawBufferPointer) throws {
    try commitStagedFile(try stageFile(for: url, bytes: bytes), to: url)
}

/// Writes `bytes` to a hidden temp file next to `url` (fsynced) and returns its URL; pair with
/// `commitStagedFile`. Staging several files before committing any keeps the window in which a
/// crash leaves a mix of old and new files down to a few renames.
func stageFile(for url: URL, bytes: UnsafeRawBufferPointer) throws -> URL {
    let staged = try StagedFile(for: url)
    try staged.write(bytes)
    return try staged.finish()
}

/// write(2), under a name the `write` method does not shadow.
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }

/// A hidden temp file next to its target, written in pieces (e.g. a token stream as it is
/// encoded); removed unless `finish` hands it over for `commitStagedFile`.
final class StagedFile {
    let target: URL
    let temp: URL
    private let fd: Int32
    private var finished = false

    init(for url: URL) throws {
        target = url
        temp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        fd = open(temp.path, O_RDWR | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw DataError("\(displayPath(url)): cannot create (\(String(cString: strerror(errno))))") }
    }

    deinit {
        if !finished {
            close(fd)
            unlink(temp.path)
        }
    }

    /// Appends `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError("\(displayPath(target)): write failed (\(String(cString: strerror(errno))))")
            }
            done += n
        }
    }

    /// Fills `buffer` with the bytes written from `offset` on.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw DataError("\(displayPath(target)): reading back the temp file failed") }
            done += n
        }
    }

    /// Cuts the file to its first `size` bytes.
    func truncate(to size: Int) throws {
        guard ftruncate(fd, off_t(size)) == 0 else {
            throw DataError("\(displayPath(target)): truncate failed (\(String(cString: strerror(errno))))")
        }
    }

    /// Syncs and closes the file; the caller commits (or unlinks) the returned temp URL.
    func finish() throws -> URL {
        let synced = fsync(fd) == 0
        let reason = synced ? "" : String(cString: strerror(errno))
        close(fd)
        finished = true
        guard synced else {
            unlink(temp.path)
            throw DataError("\(displayPath(target)): fsync failed (\(reason))")
        }
        return temp
    }
}

func commitStagedFile(_ temp: URL, to url: URL) throws {
    guard rename(temp.path, url.path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temp.path)
        throw DataError("\(displayPath(url)): rename from temp file failed (\(reason))")
    }
}

/// Writes `tokens` as headerless little-endian uint16 (nanoGPT .bin), atomically.
public func writeTokenFile(_ tokens: [UInt16], to url: URL) throws {
    try tokens.withUnsafeBytes { try writeFileAtomically(url, bytes: $0) }
}
