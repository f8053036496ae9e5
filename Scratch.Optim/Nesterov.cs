using System.Numerics.Tensors;

namespace Scratch.Optim;

/// <summary>Nesterov momentum, the book's form: <c>v ← momentum·v − lr·g;  W ← W + momentum²·v − (1 + momentum)·lr·g</c>.</summary>
/// <remarks>
/// The book's <c>Nesterov.update</c> (after Bengio et al., "Advances in optimizing recurrent networks", 2012, which rewrites
/// the look-ahead gradient in terms of the current weights):
/// <c>self.v[key] *= self.momentum; self.v[key] -= self.lr * grads[key];
/// params[key] += self.momentum * self.momentum * self.v[key]; params[key] -= (1 + self.momentum) * self.lr * grads[key]</c>.
/// </remarks>
public sealed class Nesterov : Optimizer
{
    /// <summary>Nesterov momentum with step size <paramref name="lr"/> and velocity decay <paramref name="momentum"/> (the book's defaults).</summary>
    /// <exception cref="ArgumentException"><paramref name="lr"/> is negative or not finite, or <paramref name="momentum"/> is outside [0, 1).</exception>
    public Nesterov(float lr = 0.01f, float momentum = 0.9f) : base(lr, slots: ["v"]) =>
        MomentumFactor = Check.UnitInterval(nameof(Nesterov), nameof(momentum), momentum);

    /// <summary>The book's <c>momentum</c>: how much of the previous velocity each step keeps.</summary>
    public float MomentumFactor { get; }

    /// <inheritdoc/>
    protected override bool IsElementwise => true;

    /// <inheritdoc/>
    protected override void Step(Span<float> w, ReadOnlySpan<float> g, OptimizerState state)
    {
        Span<float> v = state[0];
        float momentum = MomentumFactor, lr = LearningRate;
        TensorPrimitives.Multiply(v, momentum, v);                           // v *= momentum
        TensorPrimitives.MultiplyAdd(g, -lr, v, v);                          // v −= lr·g
        Fused.FlushSubnormals(v);                                            // a decaying v stops above 0 (see Fused)
        TensorPrimitives.MultiplyAdd(v, momentum * momentum, w, w);          // W += momentum·momentum·v
        TensorPrimitives.MultiplyAdd(g, -(1f + momentum) * lr, w, w);        // W −= (1 + momentum)·lr·g
    }
}
