import Foundation

/// Which points of an isoFLOP curve the parabola is fitted to, counted around the observed
/// minimum (the lowest loss). Wide, asymmetric curves bias a parabola fitted to all points
/// (Porian et al.'s Kaplan reproduction gives a = 1.21 instead of 0.835), so the default is local.
public enum IsoFLOPWindow: Sendable, Equatable, Codable {
    /// Every point of the budget.
    case all
    /// The k sizes nearest the observed minimum in log N (k ≥ 3).
    case nearest(Int)
    /// Sizes within ±halfWidth of the observed minimum in natural-log N (at least the 3 nearest).
    case logHalfWidth(Double)

    public var description: String {
        switch self {
        case .all: return "all points"
        case .nearest(let k): return "the \(k) sizes nearest the observed minimum"
        case .logHalfWidth(let w): return "sizes within ×\(formatNumber(Foundation.exp(w))) of the observed minimum"
        }
    }
}

/// loss = c0 + c1·x + c2·x², x = natural log of N (or D).
public struct Parabola: Codable, Sendable, Equatable {
    public var c0: Double
    public var c1: Double
    public var c2: Double
    public func value(_ x: Double) -> Double { c0 + c1 * x + c2 * x * x }
    /// The vertex x* = −c1 / (2 c2); nil unless the parabola opens upward.
    public var vertex: Double? { c2 > 0 ? -c1 / (2 * c2) : nil }

    /// Weighted least squares on centred x (x ~ 20 makes x² ill-conditioned otherwise).
    static func fit(x: [Double], y: [Double], weights: [Double]) -> Parabola? {
        let totalWeight = weights.reduce(0, +)
        guard totalWeight > 0 else { return nil }
        let mean = zip(x, weights).reduce(0) { $0 + $1.0 * $1.1 } / totalWeight
        let design = x.map { [1, $0 - mean, ($0 - mean) * ($0 - mean)] }
        guard let c = Stats.leastSquares(design: design, y: y, weights: weights) else { return nil }
        // Expand c0 + c1 (x−m) + c2 (x−m)² into powers of x.
        return Parabola(c0: c[0] - c[1] * mean + c[2] * mean * mean, c1: c[1] - 2 * c[2] * mean, c2: c[2])
    }
}

/// One run on an isoFLOP curve.
public struct IsoFLOPPoint: Codable, Sendable, Equatable {
    public var runID: String
    public var N: Double
    public var D: Double
    public var loss: Double
    /// Whether the parabola was fitted to this point.
    public var inWindow: Bool

    enum CodingKeys: String, CodingKey { case runID = "run_id", N, D, loss, inWindow = "in_window" }
}

/// The fit of one budget: its points, parabolas, minimum, and whether it entered the frontier.
public struct IsoFLOPBudgetFit: Codable, Sendable, Equatable {
    public var C: Double
    public var points: [IsoFLOPPoint]
    /// Loss against ln N; nil when skipped before fitting.
    public var parabolaN: Parabola?
    /// Loss against ln D on the same points.
    public var parabolaD: Parabola?
    public var nOpt: ParameterEstimate?
    public var dOpt: ParameterEstimate?
    public var lossOpt: Double?
    /// False when the budget was skipped (reason in `note`).
    public var used: Bool
    public var note: String?

    enum CodingKeys: String, CodingKey {
        case C, points, parabolaN = "parabola_logN", parabolaD = "parabola_logD", nOpt = "N_opt", dOpt = "D_opt"
        case lossOpt = "loss_opt", used, note
    }
}

public struct IsoFLOPOptions: Sendable, Equatable {
    public var window = IsoFLOPWindow.nearest(5)
    /// Skip budgets whose lowest loss is at the smallest or largest size (with a warning);
    /// false keeps them (the vertex is then an extrapolation).
    public var skipEdgeMinima = true
    /// Without a budget column, C values within this relative distance form one budget.
    public var budgetTolerance = 0.01
    /// Row resampling within each budget; 0 = no intervals.
    public var bootstrap = BootstrapOptions(resamples: 0)
    /// Budgets at which to report N*(C), D*(C) from the frontier fits.
    public var budgets: [Double] = []
    public var threads: Int?
    public init() {}
}

/// N*, D* predicted by the frontier at one budget, with bootstrap bands.
public struct FrontierPrediction: Codable, Sendable, Equatable {
    public var C: Double
    public var nOpt: ParameterEstimate
    public var dOpt: ParameterEstimate
    public var tokensPerParameter: Double

    enum CodingKeys: String, CodingKey { case C, nOpt = "N_opt", dOpt = "D_opt", tokensPerParameter = "tokens_per_param" }

    /// The "frontier predictions" table of the human-readable report (nothing when empty).
    static func tableLines(_ predictions: [FrontierPrediction]) -> [String] {
        guard !predictions.isEmpty else { return [] }
        return ["frontier predictions:"] + formatColumns(header: ["C", "N_opt", "D_opt", "tokens/param"], rows: predictions.map {
            [formatNumber($0.C), formatEstimate($0.nOpt), formatEstimate($0.dOpt), formatNumber($0.tokensPerParameter)]
        })
    }
}

public struct IsoFLOPResult: FitReport {
    public var law: String { "isoflop" }
    /// a, k (N* = k·C^a), b, k' (D* = k'·C^b).
    public var parameters: ParameterTable
    public var budgets: [IsoFLOPBudgetFit]
    public var nFrontier: PowerLawFrontier
    public var dFrontier: PowerLawFrontier
    /// The frontier loss L*(C) = k_L·C^e through the used budgets' parabola minima: what the
    /// approach predicts for a compute-optimal run at another budget.
    public var lossFrontier: PowerLawFrontier
    public var computeOptimal: [FrontierPrediction]
    public var window: IsoFLOPWindow
    public var nRows: Int
    public var lossColumn: String
    public var bootstrapResamples: Int
    public var bootstrapSucceeded: Int
    public var warnings: [String]

    public func detailLines() -> [String] {
        var lines = ["parabolas on \(window.description); \(budgets.filter(\.used).count) of \(budgets.count) budgets used, \(nRows) rows (\(lossColumn))"]
        let rows = budgets.map { b -> [String] in
            [formatNumber(b.C), "\(b.points.count)", b.nOpt.map(formatEstimate) ?? "—",
             b.dOpt.map(formatEstimate) ?? "—", b.lossOpt.map(formatNumber) ?? "—", b.used ? "" : (b.note ?? "skipped")]
        }
        lines += formatColumns(header: ["C", "points", "N*", "D*", "loss*", "note"], rows: rows)
        lines.append("frontier loss: loss* = k_L·C^e, e = \(formatEstimate(lossFrontier.exponent)), k_L = \(formatEstimate(lossFrontier.coefficient))")
        lines += FrontierPrediction.tableLines(computeOptimal)
        return lines
    }

    enum CodingKeys: String, CodingKey {
        case law, parameters, budgets, nFrontier = "N_frontier", dFrontier = "D_frontier", lossFrontier = "loss_frontier"
        case computeOptimal = "compute_optimal", window, nRows = "n_rows", lossColumn = "loss_column"
        case bootstrapResamples = "bootstrap_resamples", bootstrapSucceeded = "bootstrap_succeeded", warnings
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(law, forKey: .law)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(budgets, forKey: .budgets)
        try c.encode(nFrontier, forKey: .nFrontier)
        try c.encode(dFrontier, forKey: .dFrontier)
        try c.encode(lossFrontier, forKey: .lossFrontier)
        try c.encode(computeOptimal, forKey: .computeOptimal)
        try c.encode(window.description, forKey: .window)
        try c.encode(nRows, forKey: .nRows)
        try c.encode(lossColumn, forKey: .lossColumn)
        try c.encode(bootstrapResamples, forKey: .bootstrapResamples)
        try c.encode(bootstrapSucceeded, forKey: .bootstrapSucceeded)
        try c.encode(warnings, forKey: .warnings)
    }
}

/// The runs of one FLOP budget.
public struct IsoFLOPBudget: Sendable, Equatable {
    public var C: Double
    public var runIDs: [String]
    public var n: [Double]
    public var d: [Double]
    public var loss: [Double]

    public init(C: Double, runIDs: [String]? = nil, n: [Double], d: [Double]? = nil, loss: [Double]) {
        self.C = C
        self.runIDs = runIDs ?? n.indices.map { "C\(formatNumber(C))-\($0)" }
        self.n = n
        self.d = d ?? n.map { C / (6 * $0) }
        self.loss = loss
    }
}

/// Chinchilla Approach 2: per budget a parabola of loss in log N (and log D) on a window around
/// the observed minimum; its vertex gives N*(C), D*(C); then N* = k·C^a and D* = k'·C^b by
/// least squares in log space. Bootstrap: rows resampled with replacement within each budget,
/// everything refitted.
public enum IsoFLOPFit {
    /// Groups a results table into budgets: by the budget column (`ColumnNames.budget`, else
    /// `isoflop_budget` or `budget` when present), else by C, values within `tolerance` of the
    /// group's smallest forming one budget (its C is the group's median).
    public static func budgets(from table: ResultsTable, tolerance: Double = 0.01) throws -> (budgets: [IsoFLOPBudget], lossColumn: String, rowCount: Int, warnings: [String]) {
        let rows = try table.parametersTokensLoss()
        var keys: [Double]
        if let name = table.columns.budget ?? ["isoflop_budget", "budget"].first(where: { table.csv.columnIndex($0) != nil }) {
            let index = try table.csv.requireColumn(name, for: "the FLOP budget of each run")
            keys = try rows.tableRows.map { row in
                guard let v = try table.number(row, index) else { throw FitError("\(table.csv.source) \(table.rowName(row)): \(name) is empty") }
                try table.checkPositive(v, row: row, name: name)
                return v
            }
        } else {
            _ = try table.csv.requireColumn(table.columns.c, for: "the FLOP budget C of each run (or give an isoflop_budget column)")
            keys = rows.c
        }
        // Group sorted keys: a new budget starts when C exceeds the group's first C by > tolerance.
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        var groups: [[Int]] = []
        var groupStart = -Double.infinity
        for i in order {
            if groups.isEmpty || keys[i] > groupStart * (1 + tolerance) {
                groups.append([i]); groupStart = keys[i]
            } else {
                groups[groups.count - 1].append(i)
            }
        }
        let budgets = groups.map { members -> IsoFLOPBudget in
            let sortedC = members.map { keys[$0] }.sorted()
            return IsoFLOPBudget(C: sortedC[sortedC.count / 2], runIDs: members.map { rows.runIDs[$0] },
                                 n: members.map { rows.n[$0] }, d: members.map { rows.d[$0] },
                                 loss: members.map { rows.loss[$0] })
        }
        return (budgets, rows.lossColumn, rows.count, rows.warnings)
    }

    public static func fit(_ table: ResultsTable, options: IsoFLOPOptions = IsoFLOPOptions()) throws -> IsoFLOPResult {
        let grouped = try budgets(from: table, tolerance: options.budgetTolerance)
        var result = try fit(grouped.budgets, options: options)
        result.lossColumn = grouped.lossColumn
        result.warnings = grouped.warnings + result.warnings
        return result
    }

    public static func fit(_ budgets: [IsoFLOPBudget], options: IsoFLOPOptions = IsoFLOPOptions()) throws -> IsoFLOPResult {
        guard !budgets.isEmpty else { throw FitError("isoflop: no budgets") }
        for b in budgets {
            let sizes = Set(b.n).count
            if sizes < 3 {
                throw FitError("isoflop: budget C=\(formatNumber(b.C)) has \(sizes) distinct model size(s) (\(b.runIDs.joined(separator: ", "))); a parabola needs at least 3")
            }
            for i in b.n.indices where !(b.n[i] > 0 && b.d[i] > 0 && b.loss[i] > 0) || !b.loss[i].isFinite {
                throw FitError("isoflop: budget C=\(formatNumber(b.C)) run \(b.runIDs[i]): N, D and loss must be positive and finite")
            }
        }
        if case .nearest(let k) = options.window, k < 3 { throw FitError("isoflop: a window of \(k) sizes is too small; need at least 3") }
        let threads = FitThreads.resolve(options.threads)
        let window = options.window, skipEdges = options.skipEdgeMinima

        // Point estimate.
        var warnings: [String] = []
        var fits: [IsoFLOPBudgetFit] = []
        for b in budgets {
            let f = fitBudget(b, weights: Array(repeating: 1, count: b.n.count), window: window, skipEdges: skipEdges)
            if let note = f.note { warnings.append("budget C=\(formatNumber(b.C)): \(note)") }
            fits.append(f)
        }
        let used = fits.filter(\.used)
        guard used.count >= 2 else {
            throw FitError("isoflop: only \(used.count) budget(s) have a bracketed minimum; the frontier needs at least 2 (\(warnings.joined(separator: "; ")))")
        }
        let cs = used.map(\.C)
        let nStar = used.map { $0.nOpt!.estimate }, dStar = used.map { $0.dOpt!.estimate }, lossStar = used.map { $0.lossOpt! }
        guard let nLine = PowerLawFrontier.fitLogLog(x: cs, y: nStar),
              let dLine = PowerLawFrontier.fitLogLog(x: cs, y: dStar),
              let lossLine = PowerLawFrontier.fitLogLog(x: cs, y: lossStar) else {
            throw FitError("isoflop: the used budgets all have the same C; cannot fit N* against C")
        }

        // Bootstrap: per replicate, per-budget optima (nil when the budget dropped out) and frontiers.
        struct Replicate { var nOpt: [Double?]; var dOpt: [Double?]; var n: [Double]?; var d: [Double]?; var loss: [Double]? }
        let replicates: [Replicate] = runBootstrap(options.bootstrap, threads: threads) { _, rng in
            var nOpt: [Double?] = [], dOpt: [Double?] = [], lossOpt: [Double?] = []
            for b in budgets {
                let counts = resampleCounts(b.n.count, &rng)
                let f = fitBudget(b, weights: counts, window: window, skipEdges: skipEdges)
                nOpt.append(f.used ? f.nOpt!.estimate : nil)
                dOpt.append(f.used ? f.dOpt!.estimate : nil)
                lossOpt.append(f.used ? f.lossOpt! : nil)
            }
            var cUsed: [Double] = [], nUsed: [Double] = [], dUsed: [Double] = [], lossUsed: [Double] = []
            for (k, b) in budgets.enumerated() {
                if let n = nOpt[k], let d = dOpt[k], let l = lossOpt[k] { cUsed.append(b.C); nUsed.append(n); dUsed.append(d); lossUsed.append(l) }
            }
            var replicate = Replicate(nOpt: nOpt, dOpt: dOpt, n: nil, d: nil, loss: nil)
            if Set(cUsed).count >= 2, let nl = PowerLawFrontier.fitLogLog(x: cUsed, y: nUsed),
               let dl = PowerLawFrontier.fitLogLog(x: cUsed, y: dUsed),
               lossUsed.allSatisfy({ $0 > 0 }), let ll = PowerLawFrontier.fitLogLog(x: cUsed, y: lossUsed) {
                replicate.n = [nl.exponent, nl.logCoefficient]
                replicate.d = [dl.exponent, dl.logCoefficient]
                replicate.loss = [ll.exponent, ll.logCoefficient]
            }
            return replicate
        }.compactMap { $0 }

        for k in fits.indices where fits[k].used {
            let nSamples = replicates.compactMap { $0.nOpt[k] }, dSamples = replicates.compactMap { $0.dOpt[k] }
            fits[k].nOpt = ParameterEstimate(fits[k].nOpt!.estimate, samples: nSamples)
            fits[k].dOpt = ParameterEstimate(fits[k].dOpt!.estimate, samples: dSamples)
        }
        let nSamples = replicates.compactMap(\.n), dSamples = replicates.compactMap(\.d), lossSamples = replicates.compactMap(\.loss)
        let nFrontier = PowerLawFrontier(exponent: nLine.exponent, logCoefficient: nLine.logCoefficient,
                                         points: zip(cs, nStar).map { [$0, $1] }, samples: nSamples)
        let dFrontier = PowerLawFrontier(exponent: dLine.exponent, logCoefficient: dLine.logCoefficient,
                                         points: zip(cs, dStar).map { [$0, $1] }, samples: dSamples)
        let lossFrontier = PowerLawFrontier(exponent: lossLine.exponent, logCoefficient: lossLine.logCoefficient,
                                            points: zip(cs, lossStar).map { [$0, $1] }, samples: lossSamples)
        var parameters = ParameterTable()
        parameters.append("a", nFrontier.exponent)
        parameters.append("k", nFrontier.coefficient)
        parameters.append("b", dFrontier.exponent)
        parameters.append("k'", dFrontier.coefficient)
        let predictions = options.budgets.map { c -> FrontierPrediction in
            let n = nFrontier.predict(c), d = dFrontier.predict(c)
            return FrontierPrediction(C: c, nOpt: ParameterEstimate(estimate: n, ci95: nFrontier.band(at: c)),
                                      dOpt: ParameterEstimate(estimate: d, ci95: dFrontier.band(at: c)),
                                      tokensPerParameter: d / n)
        }
        if options.bootstrap.resamples > 0 && nSamples.count < options.bootstrap.resamples {
            warnings.append("\(options.bootstrap.resamples - nSamples.count) of \(options.bootstrap.resamples) bootstrap replicates had fewer than 2 usable budgets and were dropped")
        }
        return IsoFLOPResult(parameters: parameters, budgets: fits, nFrontier: nFrontier, dFrontier: dFrontier, lossFrontier: lossFrontier,
                             computeOptimal: predictions, window: window, nRows: budgets.reduce(0) { $0 + $1.n.count },
                             lossColumn: "loss", bootstrapResamples: options.bootstrap.resamples,
                             bootstrapSucceeded: nSamples.count, warnings: warnings)
    }

    /// Fits one budget on weighted points (bootstrap counts; weight 0 = not drawn).
    static func fitBudget(_ b: IsoFLOPBudget, weights: [Double], window: IsoFLOPWindow, skipEdges: Bool) -> IsoFLOPBudgetFit {
        let drawn = b.n.indices.filter { weights[$0] > 0 }
        var fit = IsoFLOPBudgetFit(C: b.C, points: b.n.indices.map {
            IsoFLOPPoint(runID: b.runIDs[$0], N: b.n[$0], D: b.d[$0], loss: b.loss[$0], inWindow: false)
        }, parabolaN: nil, parabolaD: nil, nOpt: nil, dOpt: nil, lossOpt: nil, used: false, note: nil)
        let sizes = Array(Set(drawn.map { b.n[$0] })).sorted()
        guard sizes.count >= 3 else { fit.note = "fewer than 3 sizes; skipped"; return fit }
        // Observed minimum: the lowest loss among drawn points (ties: the smaller N).
        let best = drawn.min { (b.loss[$0], b.n[$0]) < (b.loss[$1], b.n[$1]) }!
        let bestN = b.n[best]
        if skipEdges && (bestN == sizes.first || bestN == sizes.last) {
            let side = bestN == sizes.first ? "smallest" : "largest"
            fit.note = "lowest loss at the \(side) size (N=\(formatNumber(bestN))), minimum not bracketed; skipped"
            return fit
        }
        let center = Foundation.log(bestN)
        let byDistance = sizes.sorted { (abs(Foundation.log($0) - center), $0) < (abs(Foundation.log($1) - center), $1) }
        let windowSizes: Set<Double>
        switch window {
        case .all: windowSizes = Set(sizes)
        case .nearest(let k): windowSizes = Set(byDistance.prefix(max(3, k)))
        case .logHalfWidth(let w):
            let inside = sizes.filter { abs(Foundation.log($0) - center) <= w + 1e-12 }
            windowSizes = Set(inside.count >= 3 ? inside : Array(byDistance.prefix(3)))
        }
        let chosen = drawn.filter { windowSizes.contains(b.n[$0]) }
        for i in chosen { fit.points[i].inWindow = true }
        let xN = chosen.map { Foundation.log(b.n[$0]) }, xD = chosen.map { Foundation.log(b.d[$0]) }
        let y = chosen.map { b.loss[$0] }, w = chosen.map { weights[$0] }
        guard let pN = Parabola.fit(x: xN, y: y, weights: w), let pD = Parabola.fit(x: xD, y: y, weights: w) else {
            fit.note = "parabola fit failed (degenerate sizes); skipped"
            return fit
        }
        fit.parabolaN = pN
        fit.parabolaD = pD
        guard let vN = pN.vertex, let vD = pD.vertex else {
            fit.note = "the parabola opens downward (no minimum); skipped"
            return fit
        }
        let lo = xN.min()!, hi = xN.max()!
        if vN < lo || vN > hi {
            if skipEdges {
                fit.note = "the parabola's minimum (N=\(formatNumber(Foundation.exp(vN)))) lies outside the fitted sizes; skipped"
                return fit
            }
            fit.note = "the parabola's minimum (N=\(formatNumber(Foundation.exp(vN)))) is extrapolated beyond the fitted sizes"
        }
        fit.nOpt = ParameterEstimate(estimate: Foundation.exp(vN))
        fit.dOpt = ParameterEstimate(estimate: Foundation.exp(vD))
        fit.lossOpt = pN.value(vN)
        fit.used = true
        return fit
    }
}
