import CommandTestSupport
import Foundation
import Sweep
import Testing
import RunSchema

@Suite struct PlannerTests {
    func plan(_ json: String) throws -> SweepPlan {
        let dir = try temporaryDirectory("plan")
        defer { try? FileManager.default.removeItem(at: dir) }
        return try SweepPlanner.plan(specAt: try writeSpec(json, in: dir))
    }

    func planError(_ json: String) -> String? {
        do { _ = try plan(json); return nil } catch { return "\(error)" }
    }

    @Test func isoflopTokenBudgetsFollowTheFlopAccounting() throws {
        for accounting in ["full", "6N", "6N_nonembed"] {
            let p = try plan("""
                { "base": \(plannerBase), "set": { "model.flop_accounting": "\(accounting)" },
                  "isoflop": { "budgets": [3e10, 1e11],
                               "models": [ { "model.d_model": 32, "model.n_layer": 2 }, { "model.d_model": 64, "model.n_layer": 3 } ] } }
                """)
            #expect(p.runs.count == 4 && p.dropped.isEmpty)
            for run in p.runs {
                let c = try #require(run.isoflopBudget)
                let a = run.config.model.accounting
                let fpt = a.flopsPerToken(GPTConfig.FlopAccounting(rawValue: accounting)!)
                let tps = Double(8 * 32)
                #expect(run.flopsPerToken == fpt)
                #expect(run.steps == Int((c / fpt / tps).rounded()), "\(run.id)")
                #expect(run.config.train.tokens == nil && run.config.train.steps == run.steps)
                #expect(run.tokens == Double(run.steps) * tps && run.flops == run.tokens * fpt)
                // Whole steps: C is met to within half a step.
                #expect(abs(run.flops - c) <= 0.5 * tps * fpt)
                #expect(run.accounting == a)
            }
        }
    }

    @Test func gridIsACartesianProductAndZipGroupsVaryTogether() throws {
        let p = try plan("""
            { "base": \(plannerBase),
              "grid": { "axes": { "optim.lr": [1e-3, 3e-3], "seed": [1, 2] },
                        "zip": [ { "model.d_model": [16, 32, 64], "model.n_head": [1, 2, 4] } ] } }
            """)
        #expect(p.runs.count == 2 * 2 * 3)
        let combos = Set(p.runs.map { "\($0.config.optim.lr)|\($0.config.seed)|\($0.config.model.dModel)|\($0.config.model.nHead)" })
        #expect(combos.count == 12)
        for run in p.runs { #expect(run.config.model.dModel == 16 * run.config.model.nHead) }
        #expect(Set(p.runs.map(\.config.optim.lr)) == [1e-3, 3e-3])
        #expect(p.runs.allSatisfy { $0.id.hasPrefix("d\($0.config.model.dModel)-h\($0.config.model.nHead)-lr") })
    }

    @Test func aBudgetAxisReplacesTheBaseBudget() throws {
        let p = try plan("""
            { "base": \(plannerBase), "grid": { "axes": { "train.tokens": [2e5, 1e6] } } }
            """)
        #expect(p.runs.map(\.steps) == [Int((2e5 / 256).rounded(.up)), Int((1e6 / 256).rounded(.up))])
        #expect(p.runs.allSatisfy { $0.config.train.steps == nil })
        #expect(p.runs.map { String($0.id.split(separator: "-")[0]) } == ["t2e5", "t1e6"])
    }

    @Test func runIDsAreStableAndAnExtraValueOnlyAddsRuns() throws {
        let spec = { (lrs: String) in
            """
            { "base": \(plannerBase), "grid": { "axes": { "optim.lr": [\(lrs)], "model.d_model": [16, 32] } } }
            """
        }
        let a = try plan(spec("1e-3, 3e-3")).runs.map(\.id)
        let b = try plan(spec("1e-3, 3e-3")).runs.map(\.id)
        #expect(a == b)
        let c = try plan(spec("1e-3, 3e-3, 1e-2")).runs.map(\.id)
        #expect(c.count == 6 && Set(a).isSubset(of: Set(c)))
        // Reordering values or keys changes nothing.
        let d = try plan("""
            { "grid": { "axes": { "model.d_model": [32, 16], "optim.lr": [3e-3, 1e-3] } }, "base": \(plannerBase) }
            """).runs.map(\.id)
        #expect(Set(d) == Set(a))
        // A changed config gets a new id; the readable prefix names the axis values.
        let e = try plan("""
            { "base": \(plannerBase), "set": { "train.batch_size": 4 }, "grid": { "axes": { "optim.lr": [1e-3, 3e-3], "model.d_model": [16, 32] } } }
            """).runs.map(\.id)
        #expect(Set(e).isDisjoint(with: Set(a)))
        #expect(a.contains { $0.hasPrefix("d16-lr0.001-") })
    }

    /// A data directory labels a run by its last path component, not the whole sanitized path.
    @Test func dataDirectoryLabelIsItsLastComponent() {
        #expect(RunIdentity.label(path: "data.dir", value: .string("data/shakespeare_bpe512")) == "shakespeare_bpe512")
        #expect(RunIdentity.label(path: "data.dir", value: .string("/abs/corpus/")) == "corpus")
        #expect(RunIdentity.label(path: "model.d_model", value: .int(64)) == "d64")
    }

    /// Schedules that need different keys zip together with null for "this key at its default":
    /// null leaves the key unset and out of the run id; a short list reads as its values.
    @Test func zipWithNullsVariesSchedulesThatNeedDifferentKeys() throws {
        let p = try plan("""
            { "base": \(plannerBase),
              "grid": { "zip": [ { "schedule.kind": ["cosine", "step", "step"],
                                   "schedule.milestone_fractions": [null, [0.8], [0.5, 0.75]],
                                   "schedule.gamma": [null, 0.1, 0.3] } ] } }
            """)
        #expect(p.runs.map { String($0.id.dropLast(9)) } == ["cosine", "gamma0.1-step-ms0.8", "gamma0.3-step-ms0.5_0.75"])
        let cosine = p.runs[0].config.schedule, twoStage = p.runs[1].config.schedule
        #expect(cosine.kind == .cosine && cosine.milestoneFractions == nil && cosine.gamma == 0.1)
        #expect(twoStage.kind == .step && twoStage.milestoneFractions == [0.8])
        #expect(p.runs[2].config.schedule.milestoneFractions == [0.5, 0.75] && p.runs[2].config.schedule.gamma == 0.3)
    }

    @Test func runsOutsideTheLimitsAreDroppedWithReasons() throws {
        let p = try plan("""
            { "base": \(plannerBase),
              "isoflop": { "budgets": [1e8, 1e11],
                           "models": [ { "model.d_model": 16, "model.n_layer": 1 }, { "model.d_model": 128, "model.n_layer": 4, "model.n_head": 4 } ],
                           "max_tokens_per_param": 500 } }
            """)
        // 1e8: the big model gets < 1 step; 1e11: the small one exceeds 500 tokens/param.
        #expect(p.runs.count == 2)
        #expect(p.dropped.count == 2)
        let reasons = Dictionary(uniqueKeysWithValues: p.dropped.map { ($0.label, $0.reason) })
        #expect(reasons["d128-h4-l4-c1e8"]?.contains("< 1 step") == true, "\(reasons)")
        #expect(reasons["d16-l1-c1e11"]?.contains("> max_tokens_per_param 500") == true, "\(reasons)")
        for run in p.runs { #expect(run.steps >= 1 && run.tokensPerParam <= 500) }
    }

    @Test func runsBeyondMaxEpochsOfTheTrainingSplitAreDropped() throws {
        let data = try temporaryDirectory("epochs-data")
        defer { try? FileManager.default.removeItem(at: data) }
        try #"{ "vocab_size": 64, "train_tokens": 100000 }"#.write(to: data.appendingPathComponent("meta.json"), atomically: true, encoding: .utf8)
        let base = plannerBase.replacingOccurrences(of: "/nonexistent", with: data.path)
        let spec = { (meta: String) in
            """
            { "base": \(meta),
              "isoflop": { "budgets": [1e9, 1e11], "max_epochs": 4,
                           "models": [ { "model.d_model": 16, "model.n_layer": 1 }, { "model.d_model": 128, "model.n_layer": 4, "model.n_head": 4 } ] } }
            """
        }
        let p = try plan(spec(base))
        // The small model's D at 1e11 is far beyond 4 × 100k tokens; the big one's is within.
        #expect(p.runs.count >= 2 && p.runs.allSatisfy { $0.tokens <= 4e5 })
        let reason = try #require(p.dropped.first { $0.label == "d16-l1-c1e11" }?.reason)
        #expect(reason.contains("epochs > max_epochs 4") && reason.contains("training split 1e5 tokens"), "\(reason)")
        // Without train_tokens in meta.json the limit cannot be checked: an error, nothing planned.
        try #"{ "vocab_size": 64 }"#.write(to: data.appendingPathComponent("meta.json"), atomically: true, encoding: .utf8)
        let error = planError(spec(base))
        #expect(error?.contains("isoflop.max_epochs") == true && error?.contains("train_tokens") == true, "\(error ?? "no error")")
        #expect(planError(spec(plannerBase).replacingOccurrences(of: "\"max_epochs\": 4", with: "\"max_epochs\": 0"))?.contains("max_epochs") == true)
    }

    @Test func longestRunsLaunchFirstAndEstimatesCountTheFinalEval() throws {
        let spec = { (finalEval: String) in
            """
            { "base": \(plannerBase), "set": { "train.final_eval_tokens": \(finalEval) },
              "isoflop": { "budgets": [1e9, 1e10],
                           "models": [ { "model.d_model": 16, "model.n_layer": 1 }, { "model.d_model": 32, "model.n_layer": 2 } ] } }
            """
        }
        let p = try plan(spec("2560"))
        let order = SweepPlan.launchOrder(p.runs)
        #expect(order.map(\.costFLOPs) == p.runs.map(\.costFLOPs).sorted(by: >))
        #expect(order.first?.costFLOPs != p.runs.first?.costFLOPs, "the plan's first run is not its longest: the test would not see the order")
        // 2560 final-eval tokens = 10 batches of 8 × 32 tokens, at 2 s per eval batch (no meta.json
        // caps them at the validation split here).
        let probe: (TrainConfig) -> TimeEstimates.Speed = { _ in .init(secondsPerStep: 1, secondsPerEvalBatch: 2) }
        let withFinal = TimeEstimates.measure(p, probe: probe)
        let without = TimeEstimates.measure(try plan(spec("null")), probe: probe)
        let a = p.runs.map { withFinal.seconds[$0.id]! }, b = try plan(spec("null")).runs.map { without.seconds[$0.id]! }
        #expect(zip(a, b).allSatisfy { abs($0 - $1 - 20) < 1e-9 }, "\(a) vs \(b)")
    }

    @Test func wsdBranchesStartFromTheStableCheckpointAtTheirDecayStart() throws {
        let p = try plan("""
            { "base": \(plannerBase), "out_dir": "/tmp/wsd-sweep",
              "grid": { "axes": { "model.d_model": [16, 32] } },
              "wsd_branches": { "tokens": [25600, 51200, 102400], "cooldown_fraction": 0.2, "decay_shape": "linear", "cosine_baselines": true } }
            """)
        #expect(p.runs.filter { $0.role == .stable }.count == 2)
        #expect(p.runs.filter { $0.role == .branch }.count == 6)
        #expect(p.runs.filter { $0.role == .run && $0.config.schedule.kind == .cosine }.count == 6)
        for branch in p.runs where branch.role == .branch {
            let stableID = try #require(branch.dependsOn)
            let stable = try #require(p.run(stableID))
            let s = try #require(branch.branchStep)
            let b = branch.config
            #expect(stable.role == .stable && stable.config.model == b.model)
            #expect(b.schedule.kind == .wsd && b.schedule.decayShape == .linear)
            #expect(b.schedule.decayStart(totalSteps: branch.steps) == s)
            #expect(b.schedule.decaySteps == branch.steps - s)
            #expect(branch.steps - s == Int((0.2 * Double(branch.steps)).rounded()))
            #expect(stable.config.train.keepCheckpointsAt.contains(s))
            #expect(b.initFrom?.checkpoint == "/tmp/wsd-sweep/runs/\(stable.id)/checkpoint_step\(s).safetensors")
            #expect(branch.tokens == Double(branch.steps * 256) && [25600.0, 51200, 102400].contains(branch.tokens))
            #expect(branch.stepsToTrain == branch.steps - s)
            // The stable run's lr equals the branch's up to the decay start.
            let stableLR = LRSchedule(stable.config.schedule, peak: stable.config.optim.lr, totalSteps: stable.steps)
            let branchLR = LRSchedule(b.schedule, peak: b.optim.lr, totalSteps: branch.steps)
            for step in 0..<s { #expect(stableLR.lr(step: step) == branchLR.lr(step: step)) }
            #expect(branchLR.lr(step: s) < stableLR.lr(step: s))
        }
        for stable in p.runs where stable.role == .stable {
            let starts = p.runs.filter { $0.dependsOn == stable.id }.compactMap(\.branchStep)
            #expect(stable.config.schedule.kind == .constant)
            #expect(stable.steps == starts.max() && stable.config.train.keepCheckpointsAt == starts.sorted())
        }
    }

    @Test func wsdBranchesOfSeveralShapesShareTheStableRun() throws {
        let p = try plan("""
            { "base": \(plannerBase), "set": { "schedule.min_lr_ratio": 0.0 },
              "wsd_branches": { "tokens": [25600, 51200], "decay_shape": ["1-sqrt", "linear"],
                                "cosine_baselines": true, "cosine_min_lr_ratio": 0.1 } }
            """)
        #expect(p.runs.filter { $0.role == .stable }.count == 1)
        let branches = p.runs.filter { $0.role == .branch }
        #expect(branches.count == 4)
        for shape in [ScheduleConfig.DecayShape.oneMinusSqrt, .linear] {
            let ofShape = branches.filter { $0.config.schedule.decayShape == shape }
            #expect(ofShape.map(\.tokens).sorted() == [25600, 51200])
            #expect(ofShape.allSatisfy { $0.id.hasPrefix("wsd-\(shape.rawValue)-t") }, "\(ofShape.map(\.id))")
        }
        #expect(Set(branches.map(\.dependsOn)).count == 1)
        let cosine = p.runs.filter { $0.role == .run }
        #expect(cosine.count == 2 && cosine.allSatisfy { $0.config.schedule.kind == .cosine && $0.config.schedule.minLRRatio == 0.1 })
        // The branches keep the base's floor: WSD cools down to 0, cosine to 10%.
        #expect(branches.allSatisfy { $0.config.schedule.minLRRatio == 0 })
        let bad = planError(#"{ "base": \#(plannerBase), "wsd_branches": { "tokens": [25600], "decay_shape": ["1-sqrt", "step"] } }"#)
        #expect(bad?.contains("wsd_branches.decay_shape: unknown shape \"step\"") == true, "\(bad ?? "no error")")
        let dup = planError(#"{ "base": \#(plannerBase), "wsd_branches": { "tokens": [25600], "decay_shape": ["linear", "linear"] } }"#)
        #expect(dup?.contains("decay_shape: must be a shape or a non-empty list of distinct shapes") == true, "\(dup ?? "no error")")
        let ratio = planError(#"{ "base": \#(plannerBase), "wsd_branches": { "tokens": [25600], "cosine_min_lr_ratio": 2 } }"#)
        #expect(ratio?.contains("cosine_min_lr_ratio: must be in [0, 1], got 2") == true, "\(ratio ?? "no error")")
    }

    @Test func wsdBudgetsCanScaleWithParameters() throws {
        let p = try plan("""
            { "base": \(plannerBase),
              "wsd_branches": { "tokens_per_param": [10, 20], "models": [ { "model.d_model": 32 }, { "model.d_model": 64 } ] } }
            """)
        for branch in p.runs where branch.role == .branch {
            let ratio = branch.tokens / Double(branch.accounting.activeParams)
            #expect([10.0, 20.0].contains { abs(ratio - $0) / $0 < 0.05 }, "\(branch.id): \(ratio)")
        }
    }

    @Test func shapeRuleHitsTargetParameterCounts() throws {
        let p = try plan("""
            { "base": \(plannerBase),
              "isoflop": { "budgets": [1e12], "shapes": { "params": [2e4, 1e5, 5e5, 2e6], "aspect_ratio": 32, "head_dim": 16 } } }
            """)
        #expect(p.runs.count == 4)
        for (run, target) in zip(p.runs, [2e4, 1e5, 5e5, 2e6]) {
            let m = run.config.model
            #expect(m.dModel % 16 == 0 && m.nHead == m.dModel / 16)
            let n = Double(run.accounting.nonEmbeddingParams)
            #expect(abs(log(n / target)) < log(1.5), "\(run.id): \(n) vs \(target)")
            #expect(run.id.hasPrefix("d\(m.dModel)-l\(m.nLayer)-c1e12-"))
        }
    }

    @Test func badSpecsAreClearErrorsNamingTheField() throws {
        // A misspelt key path in an axis: found by decoding every generated config.
        let typo = planError("""
            { "base": \(plannerBase), "grid": { "axes": { "model.d_modle": [16, 32] } } }
            """)
        #expect(typo?.contains("model.d_modle: unknown key (expected one of:") == true, "\(typo ?? "no error")")
        #expect(typo?.contains("2 runs") == true, "\(typo ?? "")")
        // An impossible value names the field.
        let heads = planError("""
            { "base": \(plannerBase), "grid": { "axes": { "model.n_head": [3] } } }
            """)
        #expect(heads?.contains("model.d_model: 32 is not divisible by n_head = 3") == true, "\(heads ?? "no error")")
        #expect(planError(#"{ "base": \#(plannerBase), "grid": {} }"#)?.contains("empty grid") == true)
        #expect(planError(#"{ "base": \#(plannerBase), "grid": { "axes": { "optim.lr": [] } } }"#)?.contains("grid.axes.optim.lr: empty list of values") == true)
        #expect(planError(#"{ "base": \#(plannerBase) }"#)?.contains("the spec plans no runs") == true)
        #expect(planError(#"{ "base": \#(plannerBase), "grid": { "axes": { "seed": [1] } }, "gird": 1 }"#)?.contains("gird: unknown key") == true)
        #expect(planError(#"{ "base": \#(plannerBase), "grid": { "zip": [ { "model.d_model": [16, 32], "model.n_head": [1] } ] } }"#)?
            .contains("need equal lengths") == true)
        #expect(planError(#"{ "base": "missing.json", "grid": { "axes": { "seed": [1] } } }"#)?.contains("missing.json (no such file)") == true)
        // A budget too small for every model: one error listing each model's reason.
        let small = try #require(planError("""
            { "base": \(plannerBase),
              "isoflop": { "budgets": [1e5, 1e11], "models": [ { "model.d_model": 16 }, { "model.d_model": 32 } ] } }
            """))
        #expect(small.contains("isoflop budget 1e5 leaves no run"), "\(small)")
        #expect(small.contains("d16-c1e5: C=1e5 buys") && small.contains("d32-c1e5: C=1e5 buys"), "\(small)")
    }

    @Test func badSpecLaunchesNothing() throws {
        let dir = try temporaryDirectory("badspec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try writeSpec("""
            { "base": \(plannerBase), "out_dir": "\(dir.path)/out", "grid": { "axes": { "model.d_model": [16, 32], "optim.lrr": [1] } } }
            """, in: dir)
        let r = try runWindtunnel(["sweep", "run", spec.path, "--jobs", "1"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("optim.lrr: unknown key"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }
}
