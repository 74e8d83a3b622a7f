import Foundation
import ScalingLaws

/// `windtunnel predict`: a stored fit's prediction at (N, D) or at a budget C, from the point
/// estimate and bootstrap draws fit.json keeps (`LawPredictor`), without refitting.
public struct PredictionReport: Encodable, Sendable {
    public enum Query: Sendable, Equatable {
        case tokens(n: Double, d: Double)
        case budget(Double)
    }

    public var fit: String
    public var law: String
    public var lossColumn: String
    public var query: Query
    /// C of the query in the table's units (for (N, D): 6ND × the fit's C/6ND).
    public var C: Double
    public var loss: ParameterEstimate
    /// With a budget: the compute-optimal allocation.
    public var nOpt: ParameterEstimate?
    public var dOpt: ParameterEstimate?
    public var tokensPerParameter: ParameterEstimate?
    /// C over the largest fitted C.
    public var extrapolation: Double
    public var draws: Int
    public var predictor: LawPredictor
    /// This prediction's guardrails, then the stored fit's.
    public var guardrails: [Guardrail]
    public var fitGuardrails: [Guardrail]

    enum CodingKeys: String, CodingKey {
        case fit, law, lossColumn = "loss_column", N, D, C, loss, nOpt = "N_opt", dOpt = "D_opt"
        case tokensPerParameter = "tokens_per_param", extrapolation = "extrapolation_factor", draws, guardrails
        case fitGuardrails = "fit_guardrails"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fit, forKey: .fit)
        try c.encode(law, forKey: .law)
        try c.encode(lossColumn, forKey: .lossColumn)
        if case .tokens(let n, let d) = query {
            try c.encode(n, forKey: .N)
            try c.encode(d, forKey: .D)
        }
        try c.encode(C, forKey: .C)
        try c.encode(loss, forKey: .loss)
        try c.encodeIfPresent(nOpt, forKey: .nOpt)
        try c.encodeIfPresent(dOpt, forKey: .dOpt)
        try c.encodeIfPresent(tokensPerParameter, forKey: .tokensPerParameter)
        try c.encode(extrapolation, forKey: .extrapolation)
        try c.encode(draws, forKey: .draws)
        try c.encode(guardrails, forKey: .guardrails)
        try c.encode(fitGuardrails, forKey: .fitGuardrails)
    }

    /// Reads `fit` (a fit.json, or a `fit --out` directory holding one) and predicts; every
    /// failure is one `FitReportError` line naming the file.
    public init(fit: String, query: Query) throws {
        let (predictor, law, stored) = try Self.read(fit)
        self.fit = fit
        self.law = law
        self.predictor = predictor
        self.lossColumn = predictor.lossColumn
        self.query = query
        draws = predictor.samples.count
        fitGuardrails = stored
        do {
            switch query {
            case .tokens(let n, let d):
                for (name, v) in [("--n", n), ("--d", d)] where !(v > 0) || !v.isFinite {
                    throw FitReportError.invalid("\(name) must be a positive number, got \(formatNumber(v))")
                }
                guard predictor.predictsAtNAndD else {
                    throw FitReportError.invalid("--fit \(fit): an isoflop fit knows only its compute-optimal frontier, not the loss of a given (N, D): ask for --c C, or fit a chinchilla or farseer law")
                }
                loss = try predictor.loss(n: n, d: d)
                C = predictor.compute(n: n, d: d)
            case .budget(let c):
                guard c > 0, c.isFinite else { throw FitReportError.invalid("--c must be a positive number of FLOPs, got \(formatNumber(c))") }
                let e = try predictor.computeOptimal(c: c)
                loss = e.loss
                nOpt = e.nOpt
                dOpt = e.dOpt
                tokensPerParameter = e.tokensPerParameter
                C = c
            }
        } catch let error as FitError {
            throw FitReportError.invalid(error.message)
        }
        extrapolation = predictor.extrapolation(c: C)
        var checks = [Guardrails.forecast(c: C, largestFittedC: predictor.largestFittedC)].compactMap { $0 }
        if let nOpt, let dOpt { checks += Guardrails.wideIntervals([(C, nOpt, dOpt)]) }
        guardrails = checks
    }

    /// The predictor, the law's name and the fit's own guardrails from a fit.json.
    static func read(_ path: String) throws -> (LawPredictor, String, [Guardrail]) {
        var url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FitReportError.invalid("--fit \(path): no such file")
        }
        if isDirectory.boolValue { url = url.appendingPathComponent("fit.json") }
        struct Stored: Decodable {
            var formatVersion: Int?
            var law: String?
            var predictor: LawPredictor?
            var guardrails: [Guardrail]?
            enum CodingKeys: String, CodingKey { case formatVersion = "format_version", law, predictor, guardrails }
        }
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw FitReportError.invalid("--fit \(url.path): not a windtunnel fit.json (\(Self.reason(error)))")
        } catch {
            throw FitReportError.invalid("--fit \(url.path): cannot read (\(error.localizedDescription))")
        }
        guard let version = stored.formatVersion, let law = stored.law else {
            throw FitReportError.invalid("--fit \(url.path): not a windtunnel fit.json (no format_version and law)")
        }
        if version > ScalingLaws.resultFormatVersion || (stored.predictor?.format ?? 0) > LawPredictor.currentFormat {
            throw FitReportError.invalid("--fit \(url.path): written by a newer windtunnel (format_version \(version); this one reads \(ScalingLaws.resultFormatVersion))")
        }
        guard let predictor = stored.predictor, predictor.format == LawPredictor.currentFormat else {
            if version < ScalingLaws.resultFormatVersion {
                throw FitReportError.invalid("--fit \(url.path): written by an older windtunnel (format_version \(version)) without the bootstrap draws predict needs; rerun `windtunnel fit … --out DIR` to refresh it")
            }
            throw FitReportError.invalid("--fit \(url.path): a \(law) fit cannot predict a loss; predict reads chinchilla, farseer, kaplan and isoflop fits")
        }
        return (predictor, law, stored.guardrails ?? [])
    }

    static func reason(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let c): return c.underlyingError.map { "\($0.localizedDescription)" } ?? c.debugDescription
        case .keyNotFound(let key, let c): return "missing \((c.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            return "unexpected value at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        @unknown default: return "\(error)"
        }
    }

    public func textLines() -> [String] {
        func ci(_ e: ParameterEstimate) -> String { e.ci95.map { "[\(formatNumber($0[0])), \(formatNumber($0[1]))]" } ?? "— (no bootstrap draws)" }
        var lines = ["fit: \(fit) (\(law) on \(predictor.rowsFitted) rows, \(lossColumn); \(draws) bootstrap draws; C: \(predictor.accounting))"]
        var rows: [[String]] = []
        switch query {
        case .tokens(let n, let d):
            lines.append("at N = \(formatNumber(n)), D = \(formatNumber(d)) (C = 6ND × \(formatNumber(predictor.cPer6ND)) = \(formatNumber(C)), \(formatNumber(extrapolation))× the largest fitted C)")
        case .budget(let c):
            let along = predictor.law == .isoflop
                ? "on the isoFLOP frontier"
                : "compute-optimal allocation along 6ND = C / \(formatNumber(predictor.cPer6ND))"
            lines.append("at C = \(formatNumber(c)) (\(along); \(formatNumber(extrapolation))× the largest fitted C)")
        }
        rows.append(["loss", formatNumber(loss.estimate), ci(loss)])
        if let nOpt, let dOpt, let tokensPerParameter {
            rows.append(["N_opt", formatNumber(nOpt.estimate), ci(nOpt)])
            rows.append(["D_opt", formatNumber(dOpt.estimate), ci(dOpt)])
            rows.append(["tokens/param", formatNumber(tokensPerParameter.estimate), ci(tokensPerParameter)])
        }
        lines += formatColumns(header: ["quantity", "predicted", "95% interval"], rows: rows)
        lines += guardrails.map { "guardrail: \($0.message)" }
        lines += fitGuardrails.map { "guardrail (from the fit): \($0.message)" }
        return lines
    }
}
