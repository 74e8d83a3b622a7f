import Foundation
import NN
import RunSchema
import Tensor
import Testing
import TestSupport

/// Forward values, reference equivalences, capacity dropping and routing statistics of
/// `MixtureOfExperts` (gradient checks are in MoEGradientTests).
@Suite struct MoETests {
    /// Outputs and gradients (of x and every parameter) against the per-token reference; leaves
    /// the layer's gradients in `.grad`.
    static func expectMatchesReference(
        _ moe: MixtureOfExperts, _ x: Tensor, activation: FeedForward.Activation, capacity: Int? = nil,
        tol: Float = 2e-5, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let tensors = [x] + moe.namedParameters().map(\.tensor)
        let w = randn([x.shape[0], x.shape[1]], seed: 77)
        // Layer last, so the gradients left in `.grad` are the layer's.
        let reference = valueAndGradients(tensors, cotangent: w) { referenceMoE(moe, x, activation: activation, capacity: capacity) }
        let layer = valueAndGradients(tensors, cotangent: w) { evalForward(moe, x) }
        expectClose(layer.value, reference.value, tol: tol, sourceLocation: sourceLocation)
        for (name, (a, b)) in zip(["x"] + moe.namedParameters().map(\.name), zip(layer.grads, reference.grads)) {
            #expect(a.count == b.count, "\(name)", sourceLocation: sourceLocation)
            for (i, (p, q)) in zip(a, b).enumerated() where abs(p - q) > tol * max(1, abs(q)) {
                Issue.record("gradient of \(name)[\(i)]: layer \(p) vs reference \(q)", sourceLocation: sourceLocation)
                break
            }
        }
    }

    @Test(arguments: [
        MoECase("softmax top-2 gelu"),
        MoECase("swiglu no bias", .swiglu, bias: false) { $0.numExperts = 5; $0.topK = 3 },
        MoECase("relu top-1", .relu) { $0.topK = 1 },
        MoECase("sigmoid top-2") { $0.routerScoring = .sigmoid },
        MoECase("sigmoid top-1 unnormalised") { $0.routerScoring = .sigmoid; $0.topK = 1 },
        MoECase("top-2 without renormalisation") { $0.normalizeGates = false },
        MoECase("granularity 2 + shared", .swiglu) { $0.granularity = 2; $0.sharedExperts = 1 },
        MoECase("explicit d_expert") { $0.dExpert = 5; $0.topK = 1 },
    ])
    func matchesPerTokenReference(_ c: MoECase) {
        let x = randn([9, 8], seed: 4)
        Self.expectMatchesReference(c.layer(), x, activation: c.activation)
    }

    @Test func singleExpertTop1IsTheDenseMLP() {
        for (activation, bias) in [(FeedForward.Activation.gelu, true), (.swiglu, false), (.relu, true)] {
            let (d, dFF) = (8, 12)
            let dense = FeedForward(dModel: d, dFF: dFF, activation: activation, bias: bias)
            for (i, p) in dense.namedParameters().enumerated() { p.tensor.assign(randn(p.tensor.shape, seed: 50 + UInt64(i), std: 0.5)) }
            var c = MoEConfig(numExperts: 1, topK: 1)
            c.auxLossCoef = 0; c.zLossCoef = 0
            let moe = MixtureOfExperts(dModel: d, dFF: dFF, config: c, activation: activation, bias: bias)
            moe.router.weight.assign(randn([1, d], seed: 60))
            func copy(_ from: Tensor, _ to: Tensor) { to.assign(Tensor(shape: to.shape, scalars: from.scalars)) }
            copy(dense.fc.weight, moe.experts.fcWeight)
            copy(dense.proj.weight, moe.experts.projWeight)
            if bias { copy(dense.fc.bias!, moe.experts.fcBias!); copy(dense.proj.bias!, moe.experts.projBias!) }

            let x = randn([2, 5, d], seed: 61), w = randn([2, 5, d], seed: 62)
            let denseGrads = valueAndGradients([x] + dense.namedParameters().map(\.tensor), cotangent: w) { dense(x) }
            var moeTensors = [x, moe.experts.fcWeight, moe.experts.projWeight]
            if bias { moeTensors = [x, moe.experts.fcWeight, moe.experts.fcBias!, moe.experts.projWeight, moe.experts.projBias!] }
            let moeGrads = valueAndGradients(moeTensors + [moe.router.weight], cotangent: w) {
                var ctx = ForwardContext(training: true)
                let y = moe.forward(x, context: &ctx)
                #expect(moe.auxiliaryLoss == nil)  // both coefficients are 0
                return y
            }
            expectClose(moeGrads.value, denseGrads.value, tol: 1e-6)
            for (a, b) in zip(moeGrads.grads, denseGrads.grads) { expectClose(a, b, tol: 1e-6) }
            // The gate is softmax over one logit: exactly 1, so the router learns nothing.
            #expect(moeGrads.grads.last!.allSatisfy { $0 == 0 })
            #expect(moe.lastStats?.load == [1] && moe.lastStats?.dropRate == 0)
        }
    }

    @Test func largeCapacityFactorDropsNothingAndEqualsDropless() {
        let x = randn([12, 8], seed: 11), w = randn([12, 8], seed: 12)
        let dropless = makeMoE(seed: 5)
        let roomy = makeMoE(seed: 5) { $0.capacityFactor = 4 }  // capacity ⌈4·12·2/4⌉ = 24 ≥ any load
        let tensorsA = [x] + dropless.namedParameters().map(\.tensor)
        let a = valueAndGradients(tensorsA, cotangent: w) { evalForward(dropless, x) }
        let b = valueAndGradients([x] + roomy.namedParameters().map(\.tensor), cotangent: w) { evalForward(roomy, x) }
        #expect(roomy.lastStats?.dropRate == 0 && dropless.lastStats?.dropRate == 0)
        #expect(a.value == b.value)
        #expect(a.grads == b.grads)
        // An absurd factor is clamped to N, not overflowed into a negative capacity.
        let huge = makeMoE(seed: 5) { $0.capacityFactor = 1e300 }
        #expect(evalForward(huge, x).scalars == a.value && huge.lastStats?.dropRate == 0)
        // Capacity 1.0 with a balanced enough batch still drops nothing only if no expert
        // exceeds N·k/E; the layer agrees with the counts.
        let tight = makeMoE(seed: 5) { $0.capacityFactor = 1 }
        _ = evalForward(tight, x)
        let c = counts(routing(tight, x), experts: 4)
        let expected = Float(c.map { max(0, $0 - 6) }.reduce(0, +)) / 24
        #expect(tight.lastStats?.dropRate == expected)
    }

    @Test func smallCapacityDropsExactlyTheOverflow() {
        // 12 tokens, top-2 of 4 experts, capacity factor 0.5 → capacity ⌈0.5·12·2/4⌉ = 3.
        let moe = makeMoE(seed: 6) { $0.capacityFactor = 0.5 }
        let x = randn([12, 8], seed: 13)
        let chosen = routing(moe, x)
        let c = counts(chosen, experts: 4)
        let dropped = c.map { max(0, $0 - 3) }.reduce(0, +)
        #expect(dropped > 0)
        let y = evalForward(moe, x)
        #expect(moe.lastStats?.dropRate == Float(dropped) / 24)
        #expect(moe.lastStats?.load == c.map { Float($0) / 24 })  // load counts before dropping
        let reference = Tensor.noGrad { referenceMoE(moe, x, activation: .gelu, capacity: 3) }
        expectClose(y.scalars, reference.scalars, tol: 2e-5)
        Self.expectMatchesReference(moe, x, activation: .gelu, capacity: 3)
    }

    @Test func fullyDroppedTokensGetExactlyZero() {
        // Every token wants experts 1 then 3; capacity ⌈0.5·10·2/4⌉ = 3 keeps tokens 0–2 only.
        let moe = makeMoE(seed: 7) { $0.capacityFactor = 0.5 }
        let x = randn([10, 8], seed: 14)
        forceRouting(moe, x, to: [1, 3])
        #expect(routing(moe, x) == Array(repeating: [1, 3], count: 10).flatMap { $0 })
        let w = randn([10, 8], seed: 15)
        let r = valueAndGradients([x] + moe.namedParameters().map(\.tensor), cotangent: w) { evalForward(moe, x) }
        #expect(moe.lastStats?.dropRate == Float(20 - 6) / 20)
        #expect(r.value[(3 * 8)...].allSatisfy { $0 == 0 })
        #expect(r.value[..<(3 * 8)].contains { $0 != 0 })
        #expect(r.grads[0][(3 * 8)...].allSatisfy { $0 == 0 })  // no path from a dropped token
        Self.expectMatchesReference(moe, x, activation: .gelu, capacity: 3)
        // With shared experts a dropped token keeps the shared MLP's output.
        let withShared = makeMoE(seed: 7) { $0.capacityFactor = 0.5; $0.sharedExperts = 1 }
        forceRouting(withShared, x, to: [1, 3])
        let y = evalForward(withShared, x)
        let shared = Tensor.noGrad { withShared.shared!(x) }
        #expect(Array(y.scalars[(3 * 8)...]) == Array(shared.scalars[(3 * 8)...]))
    }

    /// ⌈cf·N·k/E⌉ computed in floating point: 1.1·100/11 = 10.000000000000002, whose ceiling
    /// must still be 10.
    @Test func capacityIsTheCeilingOfTheExactProduct() {
        let moe = makeMoE(seed: 8) { $0.numExperts = 11; $0.capacityFactor = 1.1 }
        let x = randn([50, 8], seed: 16)
        forceRouting(moe, x, to: [0, 1])
        _ = evalForward(moe, x)
        #expect(moe.lastStats?.dropRate == Float(100 - 2 * 10) / 100)
    }

    @Test func allTokensOnOneExpertAndIdleExperts() {
        // Top-1, everything on expert 2: the other three experts get no rows at all.
        let moe = makeMoE(seed: 9) { $0.topK = 1 }
        let x = randn([11, 8], seed: 17)
        forceRouting(moe, x, to: [2])
        #expect(routing(moe, x) == Array(repeating: 2, count: 11))
        Self.expectMatchesReference(moe, x, activation: .gelu)
        #expect(moe.lastStats?.load == [0, 0, 1, 0] && moe.lastStats?.maxLoadRatio == 4)
        for expert in [0, 1, 3] {
            for t in [moe.experts.fcWeight, moe.experts.fcBias!, moe.experts.projWeight, moe.experts.projBias!] {
                #expect(expertSlice(t.grad!.scalars, experts: 4, expert).allSatisfy { $0 == 0 })
            }
        }
        #expect(expertSlice(moe.experts.fcWeight.grad!.scalars, experts: 4, 2).contains { $0 != 0 })

        // Top-2 on experts 3 and 0 (reverse order of expert index), SwiGLU, no bias.
        let moe2 = makeMoE(activation: .swiglu, bias: false, seed: 10)
        forceRouting(moe2, x, to: [3, 0])
        Self.expectMatchesReference(moe2, x, activation: .swiglu)
        #expect(moe2.lastStats?.load == [0.5, 0, 0, 0.5])
        for expert in [1, 2] {
            #expect(expertSlice(moe2.experts.fcWeight.grad!.scalars, experts: 4, expert).allSatisfy { $0 == 0 })
            #expect(expertSlice(moe2.experts.projWeight.grad!.scalars, experts: 4, expert).allSatisfy { $0 == 0 })
        }
    }

    @Test func statisticsAndLossValuesByHand() throws {
        let moe = makeMoE(seed: 12) { $0.auxLossCoef = 0.1; $0.zLossCoef = 0.01 }
        let x = randn([3, 4, 8], seed: 18)
        let y = trainForward(moe, x)
        #expect(y.shape == [3, 4, 8])
        let stats = try #require(moe.lastStats)
        let n = 12, k = 2, e = 4
        let c = counts(routing(moe, x), experts: e)
        #expect(stats.load == c.map { Float($0) / Float(n * k) })
        #expect(abs(stats.load.reduce(0, +) - 1) < 1e-6)
        #expect(stats.maxLoadRatio == Float(c.max()!) / Float(n * k) * Float(e))
        #expect(stats.dropRate == 0)

        // α·E·Σ fᵢ·Pᵢ and β·mean(logsumexp²), in Double from the router logits.
        let logits = Tensor.noGrad { x.reshaped([n, 8]).linear(weight: moe.router.weight, bias: nil) }.scalars.map { Double($0) }
        var p = [Double](repeating: 0, count: e), z = 0.0
        for t in 0..<n {
            let row = Array(logits[(t * e)..<((t + 1) * e)]), m = row.max()!
            let s = row.map { Foundation.exp($0 - m) }.reduce(0, +)
            for i in 0..<e { p[i] += Foundation.exp(row[i] - m) / s / Double(n) }
            z += (m + Foundation.log(s)) * (m + Foundation.log(s)) / Double(n)
        }
        let aux = 0.1 * Double(e) * zip(c, p).map { Double($0) / Double(n * k) * $1 }.reduce(0, +)
        #expect(abs(Double(stats.auxLoss) - aux) < 1e-6)
        #expect(abs(Double(stats.zLoss) - 0.01 * z) < 1e-6)
        #expect(abs(Double(try #require(moe.auxiliaryLoss).item()) - aux - 0.01 * z) < 1e-6)

        // Sigmoid scores: P is the per-token normalised sigmoid.
        let sig = makeMoE(seed: 12) { $0.auxLossCoef = 0.1; $0.zLossCoef = 0; $0.routerScoring = .sigmoid }
        _ = trainForward(sig, x)
        let cs = counts(routing(sig, x), experts: e)
        var ps = [Double](repeating: 0, count: e)
        for t in 0..<n {
            let s = logits[(t * e)..<((t + 1) * e)].map { 1 / (1 + Foundation.exp(-$0)) }, total = s.reduce(0, +)
            for i in 0..<e { ps[i] += s[i] / total / Double(n) }
        }
        let auxSigmoid = 0.1 * Double(e) * zip(cs, ps).map { Double($0) / Double(n * k) * $1 }.reduce(0, +)
        #expect(abs(Double(sig.lastStats!.auxLoss) - auxSigmoid) < 1e-6)
        #expect(sig.lastStats!.zLoss == 0)

        // Evaluation computes statistics but no auxiliary loss.
        _ = evalForward(moe, x)
        #expect(moe.auxiliaryLoss == nil && moe.lastStats?.auxLoss == 0 && moe.lastStats?.load == stats.load)
        // Bias balancing replaces the auxiliary loss; the z-loss stays.
        let biased = makeMoE(seed: 12) { $0.balancing = .bias; $0.zLossCoef = 0.01 }
        _ = trainForward(biased, x)
        #expect(biased.lastStats?.auxLoss == 0 && abs(Double(biased.lastStats!.zLoss) - 0.01 * z) < 1e-6)
    }

    @Test func biasBalancingMovesEachExpertByExactlyTheRate() {
        // Token t prefers expert a[t]: loads [4, 2, 1, 1] against a mean of 2.
        let assignment = [0, 2, 0, 1, 0, 3, 1, 0]
        let gamma: Float = 0.01
        let moe = makeMoE(seed: 13) { $0.topK = 1; $0.balancing = .bias; $0.biasUpdateRate = gamma }
        let (n, d) = (8, 8)
        moe.router.weight.assign(Tensor(shape: [4, d], scalars: (0..<(4 * d)).map { Float($0 % d == $0 / d ? 1 : 0) }))
        let x = randn([n, d], seed: 19, std: 0.05)
        for (t, e) in assignment.enumerated() { x.data[t * d + e] += 3 }
        #expect(routing(moe, x) == assignment.map(Int32.init))

        _ = trainForward(moe, x)
        moe.updateBalancingBias()
        #expect(moe.expertBias.scalars == [-gamma, 0, gamma, gamma])
        moe.updateBalancingBias()  // nothing new counted: no change
        #expect(moe.expertBias.scalars == [-gamma, 0, gamma, gamma])
        _ = evalForward(moe, x)  // evaluation does not count
        moe.updateBalancingBias()
        #expect(moe.expertBias.scalars == [-gamma, 0, gamma, gamma])
        // Two training steps before an update count together (same routing: the bias is small).
        _ = trainForward(moe, x); _ = trainForward(moe, x)
        moe.updateBalancingBias()
        #expect(moe.expertBias.scalars == [-2 * gamma, 0, 2 * gamma, 2 * gamma])

        // The bias steers selection only: gates stay the unbiased scores.
        moe.expertBias.assign(Tensor(shape: [4], scalars: [0, 0, 0, 5]))
        #expect(routing(moe, x) == Array(repeating: 3, count: n))
        Self.expectMatchesReference(moe, x, activation: .gelu)
        // Other balancing modes ignore updates.
        let plain = makeMoE(seed: 13)
        _ = trainForward(plain, x)
        plain.updateBalancingBias()
        #expect(plain.expertBias.scalars == [0, 0, 0, 0])
    }

    @Test func namesAndBuffersInAGPT() {
        var c = GPTConfig(vocabSize: 11, contextLength: 8, dModel: 16, nLayer: 2, nHead: 2)
        var m = MoEConfig(numExperts: 4, topK: 2)
        m.everyNLayers = 2; m.sharedExperts = 1
        c.moe = m
        let model = GPT(c)
        let names = model.namedParameters().map(\.name)
        #expect(names.contains("blocks.0.mlp.fc.weight") && !names.contains { $0.hasPrefix("blocks.0.moe") })
        for name in ["router.weight", "experts.fc.weight", "experts.fc.bias", "experts.proj.weight", "experts.proj.bias",
                     "shared.fc.weight", "shared.proj.bias"] {
            #expect(names.contains("blocks.1.moe." + name), "\(name)")
        }
        #expect(model.namedBuffers().map(\.name) == ["blocks.1.moe.expert_bias"])
        let p = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.shape) })
        #expect(p["blocks.1.moe.experts.fc.weight"] == [4, 64, 16] && p["blocks.1.moe.experts.proj.weight"] == [4, 16, 64])
        #expect(p["blocks.1.moe.router.weight"] == [4, 16])
    }
}
