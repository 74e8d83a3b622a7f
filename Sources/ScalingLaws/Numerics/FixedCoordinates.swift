import Foundation

/// A parameter the user fixes (`--fix E=1.7`): its name in the law's parameter table and its value
/// in the table's units (E in nats, not log E).
public struct ParameterFix: Sendable, Equatable, Codable {
    public var name: String
    public var value: Double
    public init(name: String, value: Double) {
        self.name = name
        self.value = value
    }

    /// Checks that every fix names one of `names` once; `law` names the law in the error.
    static func validate(_ fixes: [ParameterFix], names: [String], law: String) throws {
        var seen = Set<String>()
        for fix in fixes {
            guard names.contains(fix.name) else {
                throw FitError("--fix \(fix.name): the \(law) law has no parameter '\(fix.name)'; its parameters: \(names.joined(separator: ", "))")
            }
            guard seen.insert(fix.name).inserted else { throw FitError("--fix \(fix.name): given twice") }
            guard fix.value.isFinite else { throw FitError("--fix \(fix.name)=\(fix.value): not a finite number") }
        }
    }
}

/// An objective with some coordinates held at fixed values: the optimiser sees only the free
/// ones, so a fixed parameter is neither fitted nor bootstrapped (every refit keeps it).
/// `expand` maps a free vector to the full one; the gradient is the full gradient's free part.
struct FixedCoordinates<Base: ResamplableObjective>: ResamplableObjective {
    let base: Base
    /// Full-vector index → fixed value (in fitting coordinates, e.g. log E).
    let fixed: [Int: Double]
    /// Full-vector indices of the free coordinates, in order.
    let free: [Int]

    init(_ base: Base, fixed: [Int: Double]) {
        self.base = base
        self.fixed = fixed
        self.free = (0..<base.dimension).filter { fixed[$0] == nil }
    }

    var dimension: Int { free.count }
    var rowCount: Int { base.rowCount }

    func reweighted(_ counts: [Double]) -> FixedCoordinates<Base> {
        FixedCoordinates(base.reweighted(counts), fixed: fixed)
    }

    func expand(_ x: [Double]) -> [Double] {
        var full = Array(repeating: 0.0, count: base.dimension)
        for (index, value) in fixed { full[index] = value }
        for (k, index) in free.enumerated() { full[index] = x[k] }
        return full
    }

    /// The free part of a full vector (starts, jitter scales).
    func reduce(_ full: [Double]) -> [Double] { free.map { full[$0] } }

    func evaluate(_ x: [Double], gradient: inout [Double]) -> Double {
        var full = Array(repeating: 0.0, count: base.dimension)
        let value = base.evaluate(expand(x), gradient: &full)
        for (k, index) in free.enumerated() { gradient[k] = full[index] }
        return value
    }

    /// Grid starts without the fixed coordinates, duplicates dropped (first occurrence kept, so
    /// the order, and with it the tie-breaking between equal minima, stays deterministic).
    func reducedStarts(_ starts: [[Double]]) -> [[Double]] {
        guard !fixed.isEmpty else { return starts }
        var seen = Set<[Double]>()
        return starts.map(reduce).filter { seen.insert($0).inserted }
    }
}

/// Levenberg–Marquardt on the free coordinates: the base's residuals at the expanded vector and
/// the Jacobian's free columns.
extension FixedCoordinates: LeastSquaresProblem where Base: LeastSquaresProblem {
    var residualWeights: [Double] { base.residualWeights }

    func residuals(_ x: [Double], jacobian wantJacobian: Bool) -> (r: [Double], jacobian: [Double])? {
        guard let full = base.residuals(expand(x), jacobian: wantJacobian) else { return nil }
        guard wantJacobian, !fixed.isEmpty else { return full }
        let p = base.dimension, rows = full.r.count
        var reduced = Array(repeating: 0.0, count: rows * free.count)
        for i in 0..<rows {
            for (k, index) in free.enumerated() { reduced[i * free.count + k] = full.jacobian[i * p + index] }
        }
        return (full.r, reduced)
    }
}
