import Foundation

/// Filesystem failures in the form every message uses, `<path>: <reason>` ("runs/x/summary.json:
/// no space left on device"), instead of Foundation's NSError text ("NSCocoaErrorDomain error
/// 256", `Code=640 "There isn't enough space."`). The reason is the POSIX one when Foundation
/// kept it, else a short phrase for the Cocoa code.
public enum FileErrors {
    /// The short reason of a file error ("no such file", "permission denied", …).
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return posix(Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return posix(Int32(underlying.code))
        }
        guard ns.domain == NSCocoaErrorDomain else { return "\(error)" }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteOutOfSpace: return "no space left on device"
        case .fileWriteVolumeReadOnly: return "read-only file system"
        case .fileWriteFileExists: return "file exists"
        case .fileReadCorruptFile: return "unreadable (corrupt or not the expected format)"
        case .fileReadTooLarge: return "too large to read"
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "invalid file name"
        case .fileReadInapplicableStringEncoding: return "not valid UTF-8 text"
        case .fileReadUnknown: return "cannot be read (a directory, or an I/O error)"
        case .fileWriteUnknown: return "cannot be written (an I/O error)"
        default: return "file error \(ns.code)"
        }
    }

    /// `<path>: <reason>` when `error` carries the file it is about, nil when it is no file error.
    public static func describe(_ error: Error) -> String? {
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return nil }
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        return (path.map { "\($0): " } ?? "") + reason(error)
    }

    /// The message for any error: file errors as `path: reason`, the rest as they describe themselves.
    public static func message(_ error: Error) -> String { describe(error) ?? "\(error)" }

    static func posix(_ code: Int32) -> String {
        code == ENOENT ? "no such file" : String(cString: strerror(code)).lowercased()
    }
}
