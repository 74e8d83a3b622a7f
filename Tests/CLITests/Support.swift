import Foundation
import Testing

/// The fixtures and files of the `windtunnel` runs (CommandTestSupport runs the binary).
enum CLI {
    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Fixtures"))
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }
}
