import Foundation

/// Appends SVG markup to a string: escapes text and attribute values, writes coordinates with two
/// decimals and counts any non-finite one (written as 0) so the caller can refuse the document.
/// A class so `num` can be called inside the argument list of another call on the same writer.
final class SVGWriter {
    private(set) var output = ""
    private(set) var nonFiniteCount = 0
    private var depth = 0

    init() {
        output.reserveCapacity(1 << 16)
    }

    func raw(_ markup: String) {
        output += markup
    }

    func open(_ tag: String, _ attributes: [(String, String)] = []) {
        indent()
        output += "<\(tag)\(Self.attributeText(attributes))>\n"
        depth += 1
    }

    func close(_ tag: String) {
        depth -= 1
        indent()
        output += "</\(tag)>\n"
    }

    func leaf(_ tag: String, _ attributes: [(String, String)]) {
        indent()
        output += "<\(tag)\(Self.attributeText(attributes))/>\n"
    }

    func text(_ content: String, tag: String = "text", _ attributes: [(String, String)] = []) {
        indent()
        output += "<\(tag)\(Self.attributeText(attributes))>\(Self.escape(content))</\(tag)>\n"
    }

    /// A coordinate or length: at most two decimals, no trailing zeros.
    func num(_ value: Double) -> String {
        guard value.isFinite else {
            nonFiniteCount += 1
            return "0"
        }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return NumberText.fixed(rounded, decimals: 2, trim: true)
    }

    /// Path data "M x y L x y ..." for one or more polylines (each its own subpath).
    func pathData(_ polylines: [[Point]], closed: Bool = false) -> String {
        var d = ""
        for line in polylines where !line.isEmpty {
            for (i, p) in line.enumerated() {
                d += (i == 0 ? "M" : "L") + num(p.x) + " " + num(p.y)
            }
            if closed { d += "Z" }
        }
        return d
    }

    private func indent() {
        output += String(repeating: "  ", count: max(0, depth))
    }

    private static func attributeText(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    /// XML-escapes text and drops characters XML 1.0 forbids (control characters).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Rough text extents for layout (no font access): per-character widths of a typical sans-serif
/// (DejaVu Sans/Helvetica class), erring wide so labels are never clipped.
enum TextMetrics {
    static func width(_ text: String, fontSize: Double) -> Double {
        var em = 0.0
        for ch in text {
            switch ch {
            case "i", "j", "l", "I", ".", ",", ":", ";", "'", "|", "!": em += 0.3
            case "f", "t", "r", "(", ")", "[", "]", " ", "-": em += 0.4
            case "m", "w", "M", "W": em += 0.9
            case "0"..."9": em += 0.64
            default:
                if ch.isUppercase { em += 0.72 } else if ch.isASCII { em += 0.6 } else { em += 0.75 }
            }
        }
        return em * fontSize
    }

    /// `text` cut to at most `maxWidth` pixels, ending in "…" when cut.
    static func truncate(_ text: String, fontSize: Double, maxWidth: Double) -> String {
        guard width(text, fontSize: fontSize) > maxWidth else { return text }
        var cut = text
        while !cut.isEmpty && width(cut + "…", fontSize: fontSize) > maxWidth { cut.removeLast() }
        return cut + "…"
    }
}
