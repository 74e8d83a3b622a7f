import Foundation
import RunSchema

/// Training logs (`metrics.jsonl`, read by RunSchema's `MetricsFile`) as curves. Plotting a run
/// or sweep needs nothing from the training stack and works on logs copied from elsewhere.
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
        /// Lines that are not JSON objects (a line cut short while the run is writing; see
        /// `MetricsFile`).
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
        let own = RunFiles(path).metrics
        if fm.fileExists(atPath: own.path) {
            return [Run(id: path.standardizedFileURL.lastPathComponent, metrics: own)]
        }
        let sweep = SweepFiles(path)
        if let ids = sweep.runIDs() {
            let found = ids.compactMap { id -> Run? in
                let file = sweep.files(id).metrics
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
        let file: MetricsFile
        do {
            file = try MetricsFile.read(run.metrics)
        } catch {
            throw PlotError.input("\(run.metrics.path): cannot read (\(error.localizedDescription))")
        }
        var points: [Point] = []
        var without = 0
        var fields = Set<String>()
        for record in file.records {
            fields.formUnion(record.numbers.keys)
            guard let xv = record[x], let yv = record[y] else {
                without += 1
                continue
            }
            points.append(Point(xv, yv))
        }
        return LoadedCurve(
            curve: Curve(name: run.id, points: points), linesWithoutFields: without, malformedLines: file.skippedLines,
            numericFields: fields)
    }
}
