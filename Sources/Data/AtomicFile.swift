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
    let path = displayPath(url)
    let dir = url.deletingLastPathComponent()
    let temp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw DataError("\(path): cannot create (\(String(cString: strerror(errno))))") }
    var ok = false
    defer {
        if !ok { unlink(temp.path) }
    }
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
        if n < 0 {
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            close(fd)
            throw DataError("\(path): write failed (\(reason))")
        }
        done += n
    }
    let synced = fsync(fd) == 0
    let reason = synced ? "" : String(cString: strerror(errno))
    close(fd)
    guard synced else { throw DataError("\(path): fsync failed (\(reason))") }
    ok = true
    return temp
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
