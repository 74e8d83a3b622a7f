import Foundation

/// Output helpers shared by the subcommands.

func printJSONLines<T: Encodable>(_ items: [T]) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    for item in items { print(String(decoding: try encoder.encode(item), as: UTF8.self)) }
}

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }

/// Three significant digits below 100, one decimal above.
func fmt(_ x: Double) -> String { String(format: x >= 100 ? "%.1f" : "%.3g", x) }

func flushStdout() { fflush(nil) }  // all output streams: stdout is a C global Swift 6 won't touch
