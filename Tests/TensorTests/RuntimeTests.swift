import Foundation
import Testing
import Tensor
import TestSupport

@Suite struct RuntimeTests {
    /// A small MLP step: the shapes repeat, so after the first step every buffer comes from the
    /// pool's cache and the pool stops calling malloc.
    @Test func steadyStateStepsDoNotAllocate() {
        let pool = BufferPool()
        BufferPool.using(pool) {
            let w1 = randn([32, 16], seed: 80), w2 = randn([8, 32], seed: 81)
            w1.requiresGrad = true; w2.requiresGrad = true
            let x = randn([64, 16], seed: 82)
            let targets = Indices(shape: [64], values: (0..<64).map { Int32($0 % 8) })
            func step() {
                let h = x.linear(weight: w1, bias: nil).gelu()
                let loss = crossEntropy(logits: h.linear(weight: w2, bias: nil).layerNorm(weight: .ones([8]), bias: nil), targets: targets)
                loss.backward()
                w1.grad = nil; w2.grad = nil
            }
            step(); step()
            let warm = pool.statistics
            for _ in 0..<5 { step() }
            let after = pool.statistics
            #expect(after.systemAllocations == warm.systemAllocations)
            #expect(after.bytesReserved == warm.bytesReserved)
            #expect(after.reuses > warm.reuses)
        }
        #expect(pool.statistics.bytesInUse == 0)
    }

    /// Our own kernels split work into fixed chunks and combine partial sums in chunk order, so
    /// they are bit-identical run to run. (BLAS results depend on OpenBLAS's thread count, which
    /// tests running side by side in one process share; the end-to-end check that two training
    /// runs with the same thread count match bit for bit runs `windtunnel train` processes.)
    @Test func ownKernelsAreIdenticalRunToRun() {
        func run() -> [Float] {
            let x = randn([512, 96], seed: 83, std: 2), w = randn([96], seed: 84), b = randn([96], seed: 85)
            w.requiresGrad = true; b.requiresGrad = true; x.requiresGrad = true
            let y = x.layerNorm(weight: w, bias: b).gelu().softmax()
            let e = embedding(y, Indices(shape: [300], values: (0..<300).map { Int32($0 * 7 % 512) }))
            crossEntropy(logits: e, targets: Indices(shape: [300], values: (0..<300).map { Int32($0 % 96) })).backward()
            return y.scalars + x.grad!.scalars + w.grad!.scalars + b.grad!.scalars
        }
        let a = run(), b = run()
        let firstDifference = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(firstDifference == nil, "first difference at \(firstDifference?.offset ?? -1) of \(a.count)")
    }

    /// Subnormals flush to zero on the configuring thread and on the pool's workers (x86: they
    /// cost a ~100-cycle assist each; see Denormals.swift). Half the smallest normal float must
    /// come out 0, computed at run time from a tensor so nothing is folded at compile time.
    @Test func subnormalsFlushToZeroOnEveryKernelThread() {
        #if arch(x86_64)
        Threads.configure(2)
        let values = [Float](repeating: Float.leastNormalMagnitude, count: 4096)
        let tiny = Tensor(shape: [4096], scalars: values)
        let half = tiny * Tensor(shape: [4096], scalars: [Float](repeating: 0.5, count: 4096))
        #expect(half.scalars.allSatisfy { $0 == 0 })
        var results = [Float](repeating: 1, count: 8)
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            parallelFor(8, grain: 1) { r in
                for i in r { base[i] = values[i] * 0.5 }
            }
        }
        #expect(results.allSatisfy { $0 == 0 })
        #endif
    }

    /// The worker pool under back-to-back loops (as a training step issues them): every chunk of
    /// every loop runs exactly once, with its own range, and the loop returns only when all have.
    @Test func workerPoolRunsEveryChunkOnceAcrossManyLoops() {
        Threads.configure(2)
        let n = 1000, loops = 3000
        var hits = [Int32](repeating: 0, count: n)
        hits.withUnsafeMutableBufferPointer { h in
            let base = h.baseAddress!
            for loop in 0..<loops {
                parallelChunks(n, grain: 1 + loop % 300) { chunk, range in
                    #expect(range == chunkRange(chunk, of: chunkCount(n, grain: 1 + loop % 300), n: n))
                    for i in range { base[i] += 1 }
                }
            }
        }
        #expect(hits.allSatisfy { $0 == Int32(loops) })
    }

    /// Two threads running parallel loops at the same time (independent graphs): one gets the
    /// pool, the other falls back; both complete with the right sums.
    @Test func concurrentCallersBothFinish() {
        Threads.configure(2)
        let group = DispatchGroup()
        nonisolated(unsafe) let sums = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        defer { sums.deallocate() }
        for t in 0..<2 {
            group.enter()
            Thread {
                var total = 0
                let partial = UnsafeMutablePointer<Int>.allocate(capacity: 2)
                for _ in 0..<500 {
                    partial[0] = 0; partial[1] = 0
                    parallelChunks(64, grain: 8) { c, r in partial[c] = r.reduce(0, +) }
                    total += partial[0] + partial[1]
                }
                partial.deallocate()
                sums[t] = total
                group.leave()
            }.start()
        }
        group.wait()
        #expect(sums[0] == 500 * (63 * 64 / 2) && sums[1] == 500 * (63 * 64 / 2))
    }

    @Test func threadBudgetIsAtLeastOne() {
        #expect(Threads.count >= 1)
    }

    @Test func copyOnWriteProtectsSharedStorage() {
        let a = Tensor(shape: [3], scalars: [1, 2, 3])
        let view = a.reshaped([1, 3])
        view.makeUnique()
        view.data[0] = 42
        #expect(a.scalars == [1, 2, 3])
        #expect(view.scalars == [42, 2, 3])
    }
}
