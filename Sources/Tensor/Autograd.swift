/// Reverse-mode autograd. Each op that has an input requiring a gradient records a `GradNode`
/// on its output: a backward closure plus the tape position at which it ran. `backward()` replays
/// the recorded closures of the loss's graph in reverse tape order, which is a valid topological
/// order, so a tensor used twice receives both gradients before its own closure runs.
final class GradNode {
    let op: String
    let tapePosition: Int
    let inputs: [Tensor]
    /// Receives the output tensor and its gradient; accumulates into the inputs' gradients.
    let backward: (_ output: Tensor, _ gradOutput: Tensor) -> Void

    init(op: String, tapePosition: Int, inputs: [Tensor], backward: @escaping (Tensor, Tensor) -> Void) {
        self.op = op
        self.tapePosition = tapePosition
        self.inputs = inputs
        self.backward = backward
    }
}

public enum Autograd {
    /// Whether ops on this thread record gradients (false inside `Tensor.noGrad`).
    public static var isEnabled: Bool { ThreadContext.current.gradEnabled }
}

extension Tensor {
    /// Runs `body` without recording gradients (evaluation, optimizer updates).
    public static func noGrad<R>(_ body: () throws -> R) rethrows -> R {
        let context = ThreadContext.current
        let saved = context.gradEnabled
        context.gradEnabled = false
        defer { context.gradEnabled = saved }
        return try body()
    }

    /// Whether an op on these inputs must record a backward step.
    @inline(__always)
    static func needsGrad(_ inputs: [Tensor]) -> Bool {
        inputs.contains { $0.requiresGrad } && ThreadContext.current.gradEnabled
    }

    /// Records the op that produced `self` when any input requires a gradient.
    @discardableResult
    func recording(_ op: String, _ inputs: [Tensor], _ backward: @escaping (Tensor, Tensor) -> Void) -> Tensor {
        guard Tensor.needsGrad(inputs) else { return self }
        let context = ThreadContext.current
        context.tapeLength += 1
        node = GradNode(op: op, tapePosition: context.tapeLength, inputs: inputs, backward: backward)
        requiresGrad = true
        return self
    }

    /// Back-propagates from this tensor. A scalar seeds with 1; otherwise pass `gradient` (same
    /// shape). Leaf gradients accumulate into `.grad`; the graph is released afterwards.
    public func backward(gradient: Tensor? = nil) {
        guard requiresGrad else { fatalError("backward(): tensor of shape \(shape) does not require a gradient") }
        let seed: Tensor
        if let gradient {
            Shape.check { () throws(ShapeError) in try Shape.same(gradient.shape, shape, op: "backward", "gradient and tensor shapes") }
            seed = gradient
        } else {
            guard count == 1 else { fatalError("backward(): implicit gradient needs a scalar, got shape \(shape); pass gradient:") }
            seed = Tensor.ones(shape)
        }
        // Collect the graph (tensors carrying a node), then replay in reverse tape order.
        var order: [Tensor] = []
        var seen = Set<ObjectIdentifier>()
        var stack: [Tensor] = [self]
        while let t = stack.popLast() {
            guard let node = t.node, seen.insert(ObjectIdentifier(t)).inserted else { continue }
            order.append(t)
            for input in node.inputs where input.node != nil { stack.append(input) }
        }
        order.sort { $0.node!.tapePosition > $1.node!.tapePosition }
        Tensor.noGrad { accumulateGrad(seed) }
        Tensor.noGrad {
            for t in order {
                let node = t.node!
                t.node = nil  // frees saved tensors as we go
                if let g = t.grad {
                    t.grad = nil  // non-leaf gradients are not kept (PyTorch's default)
                    node.backward(t, g)
                }
            }
        }
    }

    /// Adds `g` into `.grad` (creating it if absent). Takes ownership of `g` when possible.
    func accumulateGrad(_ g: Tensor) {
        guard requiresGrad else { return }
        if let existing = grad {
            existing.makeUnique()
            addInPlace(existing.data, g.data, existing.count)
        } else {
            // A new wrapper, so two inputs handed the same gradient tensor (add) share storage
            // through CoW rather than one object: an in-place accumulate then copies first.
            grad = Tensor(shape: shape, storage: g.storage)
        }
    }

    /// A buffer to accumulate this tensor's gradient into, for kernels that write gradients in
    /// place (GEMM with β, scatter-add). Fresh gradients are zeroed when `zeroed` is true; the
    /// returned flag says whether existing contents must be accumulated into (β = 1).
    func gradBuffer(zeroed: Bool) -> (pointer: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if let g = grad {
            g.makeUnique()
            return (g.data, true)
        }
        let g = zeroed ? Tensor.zeros(shape) : Tensor(uninitialized: shape)
        grad = g
        return (g.data, zeroed)
    }
}

@inline(__always)
func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    parallelFor(n, grain: 1 << 16) { r in
        for i in r { dst[i] += src[i] }
    }
}
