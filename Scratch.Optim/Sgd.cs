using System.Numerics.Tensors;

namespace Scratch.Optim;

/// <summary>Stochastic gradient descent: <c>W ← W − lr·∂L/∂W</c>.</summary>
/// <remarks>
/// The book's <c>SGD.update</c>: <c>params[key] -= self.lr * grads[key]</c>. No state.
/// </remarks>
public sealed class Sgd : Optimizer
{
    /// <summary>SGD with step size <paramref name="lr"/> (the book's default 0.01).</summary>
    /// <exception cref="ArgumentException"><paramref name="lr"/> is negative, NaN or infinite.</exception>
    public Sgd(float lr = 0.01f) : base(lr, slots: []) { }

    /// <inheritdoc/>
    protected override bool IsElementwise => true;

    /// <inheritdoc/>
    protected override void Step(Span<float> w, ReadOnlySpan<float> g, OptimizerState state) =>
        TensorPrimitives.MultiplyAdd(g, -LearningRate, w, w);            // W −= lr·g
}
