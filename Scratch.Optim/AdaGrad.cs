using System.Numerics.Tensors;

namespace Scratch.Optim;

/// <summary>AdaGrad: <c>h ← h + g²;  W ← W − lr·g / (√h + ε)</c>.</summary>
/// <remarks>
/// The book's <c>AdaGrad.update</c>:
/// <c>self.h[key] += grads[key] * grads[key]; params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)</c>.
/// Each weight's step shrinks as its squared gradients accumulate in <c>h</c> (zero on the parameter's first update).
/// </remarks>
public sealed class AdaGrad : Optimizer
{
    private float _epsilon = DefaultEpsilon;

    /// <summary>The book's <c>1e-7</c>, added to √h so the first division is defined.</summary>
    public const float DefaultEpsilon = 1e-7f;

    /// <summary>AdaGrad with step size <paramref name="lr"/> (the book's default 0.01).</summary>
    /// <exception cref="ArgumentException"><paramref name="lr"/> is negative, NaN or infinite.</exception>
    public AdaGrad(float lr = 0.01f) : base(lr, slots: ["h"]) { }

    /// <summary>ε in <c>lr·g / (√h + ε)</c>; finite and &gt; 0.</summary>
    public float Epsilon
    {
        get => _epsilon;
        set => _epsilon = Check.Positive(nameof(AdaGrad), nameof(Epsilon), value, nameof(value));
    }

    /// <inheritdoc/>
    protected override bool IsElementwise => true;

    /// <inheritdoc/>
    protected override void Step(Span<float> w, ReadOnlySpan<float> g, OptimizerState state)
    {
        Span<float> h = state[0];
        TensorPrimitives.MultiplyAdd(g, g, h, h);                        // h += g·g
        Fused.FlushSubnormals(h);                                        // tiny gradients' squares (see Fused)
        Fused.SubtractScaledRatio(w, LearningRate, g, h, _epsilon);      // W −= lr·g / (√h + ε)
    }
}
