import Foundation
import Testing
import Tensor
import TestSupport

@Suite struct FusedOpGradTests {
    @Test func softmaxAndLogSoftmax() {
        let x = randn([3, 7], seed: 40, std: 2)
        let s = x.softmax()
        for r in 0..<3 {
            let row = s.scalars[(r * 7)..<(r * 7 + 7)]
            #expect(abs(row.reduce(0, +) - 1) < 1e-6)
            #expect(row.allSatisfy { $0 > 0 })
        }
        expectClose(x.logSoftmax().scalars, s.scalars.map { Foundation.log($0) }, tol: 1e-5)
        gradCheck([x]) { $0[0].softmax() }
        gradCheck([x]) { $0[0].logSoftmax() }
        gradCheck([randn([2, 3, 19], seed: 41)]) { $0[0].softmax() }
    }

    @Test func crossEntropyValueAndGradient() {
        let logits = randn([6, 5], seed: 42, std: 2)
        let targets = Indices(shape: [6], values: [0, 4, 2, 2, 1, 3])
        let loss = crossEntropy(logits: logits, targets: targets)
        let lsm = logits.logSoftmax().scalars
        let manual = -(0..<6).map { lsm[$0 * 5 + Int(targets.values[$0])] }.reduce(0, +) / 6
        #expect(abs(loss.item() - manual) < 1e-5)
        gradCheck([logits]) { crossEntropy(logits: $0[0], targets: targets) }
        gradCheck([randn([2, 3, 9], seed: 43)]) { crossEntropy(logits: $0[0], targets: Indices(shape: [2, 3], values: [0, 8, 4, 4, 1, 7])) }
    }

    @Test func crossEntropyIgnoreIndex() {
        let logits = randn([5, 4], seed: 44, std: 2)
        let targets = Indices(shape: [5], values: [1, -100, 3, -100, 0])
        let loss = crossEntropy(logits: logits, targets: targets, ignoreIndex: -100)
        let kept = Indices(shape: [3], values: [1, 3, 0])
        let rows = Tensor.concat([logits.narrowed(axis: 0, start: 0, length: 1), logits.narrowed(axis: 0, start: 2, length: 1),
                                  logits.narrowed(axis: 0, start: 4, length: 1)], axis: 0)
        #expect(abs(loss.item() - crossEntropy(logits: rows, targets: kept).item()) < 1e-6)
        gradCheck([logits]) { crossEntropy(logits: $0[0], targets: targets, ignoreIndex: -100) }
        logits.grad = nil
        crossEntropy(logits: logits, targets: targets, ignoreIndex: -100).backward()
        #expect(logits.grad!.scalars[4..<8].allSatisfy { $0 == 0 })
    }

    @Test func embeddingScatterAddsRepeatedIds() {
        let w = randn([6, 3], seed: 45)
        let ids = Indices(shape: [2, 3], values: [1, 4, 1, 0, 5, 1])
        let e = embedding(w, ids)
        #expect(e.shape == [2, 3, 3])
        #expect(Array(e.scalars[3..<6]) == Array(w.scalars[12..<15]))
        gradCheck([w]) { embedding($0[0], ids) }
        w.grad = nil
        embedding(w, ids).sum().backward()
        #expect(Array(w.grad!.scalars[3..<6]) == [3, 3, 3])  // id 1 used three times
        #expect(Array(w.grad!.scalars[6..<9]) == [0, 0, 0])
    }

    @Test func layerNormStatisticsAndGradient() {
        let x = randn([4, 16], seed: 46, std: 3)
        let y = x.layerNorm(weight: .ones([16]), bias: .zeros([16]))
        for r in 0..<4 {
            let row = y.scalars[(r * 16)..<(r * 16 + 16)].map(Double.init)
            let mean = row.reduce(0, +) / 16
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 16
            #expect(abs(mean) < 1e-5)
            #expect(abs(variance - 1) < 1e-3)  // eps = 1e-5 against variance 9
        }
        gradCheck([x, randn([16], seed: 47), randn([16], seed: 48)]) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
        gradCheck([randn([2, 3, 8], seed: 49), randn([8], seed: 50)]) { $0[0].layerNorm(weight: $0[1], bias: nil) }
    }

    @Test func rmsNormValueAndGradient() {
        let x = randn([3, 12], seed: 51, std: 2)
        let y = x.rmsNorm(weight: .ones([12]), eps: 0)
        for r in 0..<3 {
            let row = y.scalars[(r * 12)..<(r * 12 + 12)]
            #expect(abs(row.map { $0 * $0 }.reduce(0, +) / 12 - 1) < 1e-5)
        }
        gradCheck([x, randn([12], seed: 52)]) { $0[0].rmsNorm(weight: $0[1]) }
    }
}

@Suite struct RotaryTests {
    @Test func rotaryPreservesNormsAndPassesGradients() {
        let (b, t, h, dh) = (2, 9, 2, 6)
        let table = RotaryTable(tokens: 16, headDim: dh)
        let qkv = randn([b, t, 3 * h * dh], seed: 90)
        let r = rotaryEmbedding(qkv: qkv, heads: h, table: table)
        // A rotation keeps each (i, i + Dh/2) pair's length; position 0 is unrotated; v untouched.
        for row in 0..<(b * t) {
            for head in 0..<(2 * h) {
                for i in 0..<(dh / 2) {
                    let base = row * 3 * h * dh + head * dh
                    let x0 = qkv.data[base + i], x1 = qkv.data[base + i + dh / 2]
                    let y0 = r.data[base + i], y1 = r.data[base + i + dh / 2]
                    #expect(abs((x0 * x0 + x1 * x1) - (y0 * y0 + y1 * y1)) < 1e-4)
                    if row % t == 0 { #expect(x0 == y0 && x1 == y1) }
                }
            }
            let v = row * 3 * h * dh + 2 * h * dh
            #expect(Array(qkv.scalars[v..<(v + h * dh)]) == Array(r.scalars[v..<(v + h * dh)]))
        }
        gradCheck([qkv]) { rotaryEmbedding(qkv: $0[0], heads: h, table: table) }
    }

    @Test func rotaryScoresDependOnRelativePositionOnly() {
        // ⟨R(m)q, R(n)k⟩ depends on m − n: shift both positions by the same amount.
        let dh = 8
        let table = RotaryTable(tokens: 32, headDim: dh)
        let q = randn([dh], seed: 91), k = randn([dh], seed: 92)
        func score(_ m: Int, _ n: Int) -> Float {
            var rows = [Float](repeating: 0, count: 32 * 3 * dh)
            for i in 0..<dh { rows[m * 3 * dh + i] = q.data[i]; rows[n * 3 * dh + dh + i] = k.data[i] }
            let r = rotaryEmbedding(qkv: Tensor(shape: [1, 32, 3 * dh], scalars: rows), heads: 1, table: table)
            return (0..<dh).map { r.data[m * 3 * dh + $0] * r.data[n * 3 * dh + dh + $0] }.reduce(0, +)
        }
        #expect(abs(score(7, 3) - score(20, 16)) < 1e-4)
    }
}
