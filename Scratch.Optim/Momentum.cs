using System.Numerics.Tensors;

namespace Scratch.Optim;

/// <summary>Momentum SGD: <c>v ← momentum·v − lr·∂L/∂W;  W ← W + v</c> (the book), or <c>v ← momentum·v + ∂L/∂W;  W ← W − lr·v</c> (PyTorch).</summary>
/// <remarks>
/// The book's <c>Momentum.update</c>:
/// <c>self.v[key] = self.momentum*self.v[key] - self.lr*grads[key]; params[key] += self.v[key]</c>.
/// With <see cref="Convention.PyTorch"/> it is <c>torch.optim.SGD(momentum=μ)</c> without dampening:
/// <c>v = μ·v + g; W −= lr·v</c>. The velocity <c>v</c> starts at zero for each parameter on its first update.
/// </remarks>
public sealed class Momentum : Optimizer
{
    /// <summary>Momentum SGD with step size <paramref name="lr"/> and velocity decay <paramref name="momentum"/> (the book's defaults), in the book's or PyTorch's <paramref name="convention"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="lr"/> is negative or not finite, or <paramref name="momentum"/> is outside [0, 1).</exception>
    public Momentum(float lr = 0.01f, float momentum = 0.9f, Convention convention = Convention.Book) : base(lr, slots: ["v"])
    {
        Convention = convention;
        MomentumFactor = Check.UnitInterval(nameof(Momentum), nameof(momentum), momentum);
    }

    /// <summary>The book's <c>momentum</c>: how much of the previous velocity each step keeps.</summary>
    public float MomentumFactor { get; }

    /// <summary>Which velocity the rule keeps: the book's (a step, <c>−lr·g</c> folded in) or PyTorch's (a sum of gradients).</summary>
    public Convention Convention { get; }

    /// <inheritdoc/>
    protected override bool IsElementwise => true;

    /// <inheritdoc/>
    protected override void Step(Span<float> w, ReadOnlySpan<float> g, OptimizerState state)
    {
        Span<float> v = state[0];
        if (Convention == Convention.Book)
        {
            TensorPrimitives.Multiply(v, MomentumFactor, v);             // v = momentum·v
            TensorPrimitives.MultiplyAdd(g, -LearningRate, v, v);        //     − lr·g
            Fused.FlushSubnormals(v);                                    // a decaying v stops above 0 (see Fused)
            TensorPrimitives.Add(w, v, w);                               // W += v
        }
        else
        {
            TensorPrimitives.MultiplyAdd(v, MomentumFactor, g, v);       // v = momentum·v + g
            Fused.FlushSubnormals(v);
            TensorPrimitives.MultiplyAdd(v, -LearningRate, w, w);        // W −= lr·v
        }
    }
}
