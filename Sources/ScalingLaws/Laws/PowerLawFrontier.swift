import Foundation

/// y = k·x^exponent fitted by least squares in log space, with bootstrap samples of
/// (exponent, log k) for intervals and bands. Approaches 1 and 2 end in two of these
/// (N* = k·C^a and D* = k'·C^b).
public struct PowerLawFrontier: Codable, Sendable, Equatable {
    public var exponent: ParameterEstimate
    public var coefficient: ParameterEstimate
    /// Points the line was fitted to (x, y), e.g. (C, N*) per budget.
    public var points: [[Double]]
    /// Bootstrap samples as [exponent, log k] (not in JSON; use `band`).
    public var samples: [[Double]]

    enum CodingKeys: String, CodingKey { case exponent, coefficient, points }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        exponent = try c.decode(ParameterEstimate.self, forKey: .exponent)
        coefficient = try c.decode(ParameterEstimate.self, forKey: .coefficient)
        points = try c.decode([[Double]].self, forKey: .points)
        samples = []
    }

    init(exponent: Double, logCoefficient: Double, points: [[Double]], samples: [[Double]]) {
        self.exponent = ParameterEstimate(exponent, samples: samples.map { $0[0] })
        self.coefficient = ParameterEstimate(Foundation.exp(logCoefficient), samples: samples.map { Foundation.exp($0[1]) })
        self.points = points
        self.samples = samples
    }

    /// Least squares of log y on log x; nil with fewer than 2 distinct x.
    static func fitLogLog(x: [Double], y: [Double]) -> (exponent: Double, logCoefficient: Double)? {
        guard let line = Stats.linearFit(x: x.map { Foundation.log($0) }, y: y.map { Foundation.log($0) }) else { return nil }
        return (line.slope, line.intercept)
    }

    public func predict(_ x: Double) -> Double { coefficient.estimate * pow(x, exponent.estimate) }

    /// The 95% percentile band of k·x^a over the bootstrap samples at x (nil without samples).
    public func band(at x: Double) -> [Double]? {
        guard !samples.isEmpty else { return nil }
        return Stats.interval95(samples.map { Foundation.exp($0[1] + $0[0] * Foundation.log(x)) })
    }
}
