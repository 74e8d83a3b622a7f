import Foundation

/// Reads training logs (`metrics.jsonl`: one JSON object per logged step, fields `step, tokens,
/// flops, lr, loss, grad_norm, tokens_per_s, elapsed_s` and `val_loss` on eval steps; see
/// DESIGN.md) into curves. It lives here, Foundation-only, so plotting a run or sweep needs
/// nothing from the training stack and works on logs copied from elsewhere.
public enum MetricsLog {
    /// A run's log file and the id it is shown under.
    public struct Run: Sendable, Hashable {
        public var id: String
        public var metrics: URL
        public init(id: String, metrics: URL) {
            self.id = id
            self.metrics = metrics
        }
    }

    /// One run's (x, y) curve plus what was skipped on the way.
    public struct LoadedCurve: Sendable {
        public var curve: Curve
        /// Lines without a numeric x or y field (e.g. training steps when plotting val_loss).
        public var linesWithoutFields: Int
        /// Lines that are not JSON objects (e.g. a line cut short while the run is writing).
        public var malformedLines: Int
        /// Every field name seen with a numeric value, for error messages.
        public var numericFields: Set<String>
    }

    /// Runs under `path`: a `metrics.jsonl` file, a run directory containing one, or a sweep
    /// directory with `runs/<run_id>/metrics.jsonl` (all runs, sorted by id; runs that have not
    /// written metrics yet are left out).
    public static func runs(at path: URL) throws -> [Run] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw PlotError.input("\(path.path): no such file or directory")
        }
        if !isDirectory.boolValue {
            let parent = path.deletingLastPathComponent().lastPathComponent
            return [Run(id: parent.isEmpty ? path.lastPathComponent : parent, metrics: path)]
        }
        let own = path.appendingPathComponent("metrics.jsonl")
        if fm.fileExists(atPath: own.path) {
            return [Run(id: path.standardizedFileURL.lastPathComponent, metrics: own)]
        }
        let runsDir = path.appendingPathComponent("runs")
        if let ids = try? fm.contentsOfDirectory(atPath: runsDir.path) {
            let found = ids.sorted().compactMap { id -> Run? in
                let file = runsDir.appendingPathComponent(id).appendingPathComponent("metrics.jsonl")
                return fm.fileExists(atPath: file.path) ? Run(id: id, metrics: file) : nil
            }
            if !found.isEmpty { return found }
            throw PlotError.input("\(path.path): sweep has no runs/<run_id>/metrics.jsonl yet")
        }
        throw PlotError.input(
            "\(path.path): no metrics.jsonl (expected a run directory with metrics.jsonl or a sweep directory with runs/<run_id>/metrics.jsonl)")
    }

    /// The run's `y` field against its `x` field, from every line that has both as numbers.
    public static func curve(_ run: Run, x: String, y: String) throws -> LoadedCurve {
        let data: Data
        do {
            data = try Data(contentsOf: run.metrics)
        } catch {
            throw PlotError.input("\(run.metrics.path): cannot read (\(error.localizedDescription))")
        }
        var points: [Point] = []
        var without = 0, malformed = 0
        var fields = Set<String>()
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                malformed += 1
                continue
            }
            for (key, value) in object where value is NSNumber { fields.insert(key) }
            guard let xv = number(object[x]), let yv = number(object[y]) else {
                without += 1
                continue
            }
            points.append(Point(xv, yv))
        }
        return LoadedCurve(
            curve: Curve(name: run.id, points: points), linesWithoutFields: without, malformedLines: malformed,
            numericFields: fields)
    }

    private static func number(_ value: Any?) -> Double? {
        guard let n = value as? NSNumber else { return nil }
        return n.doubleValue
    }
}
