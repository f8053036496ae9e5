namespace Scratch.Optim;

/// <summary>RMSprop: <c>h ← decayRate·h + (1 − decayRate)·g²;  W ← W − lr·g / (√h + ε)</c>.</summary>
/// <remarks>
/// The book's <c>RMSprop.update</c>:
/// <c>self.h[key] *= self.decay_rate; self.h[key] += (1 - self.decay_rate) * grads[key] * grads[key];
/// params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)</c>.
/// Unlike AdaGrad, old squared gradients fade, so the step does not shrink to zero. <c>h</c> starts at zero.
/// </remarks>
public sealed class RmsProp : Optimizer
{
    private float _epsilon = DefaultEpsilon;

    /// <summary>The book's <c>1e-7</c>, added to √h.</summary>
    public const float DefaultEpsilon = 1e-7f;

    /// <summary>RMSprop with step size <paramref name="lr"/> and forgetting factor <paramref name="decayRate"/> (the book's defaults).</summary>
    /// <exception cref="ArgumentException"><paramref name="lr"/> is negative or not finite, or <paramref name="decayRate"/> is outside [0, 1).</exception>
    public RmsProp(float lr = 0.01f, float decayRate = 0.99f) : base(lr, slots: ["h"]) =>
        DecayRate = Check.UnitInterval(nameof(RmsProp), nameof(decayRate), decayRate);

    /// <summary>The book's <c>decay_rate</c>: the share of <c>h</c> kept at each step.</summary>
    public float DecayRate { get; }

    /// <summary>ε in <c>lr·g / (√h + ε)</c>; finite and &gt; 0.</summary>
    public float Epsilon
    {
        get => _epsilon;
        set => _epsilon = Check.Positive(nameof(RmsProp), nameof(Epsilon), value, nameof(value));
    }

    /// <inheritdoc/>
    protected override bool IsElementwise => true;

    /// <inheritdoc/>
    protected override void Step(Span<float> w, ReadOnlySpan<float> g, OptimizerState state)
    {
        Span<float> h = state[0];
        Fused.ScaleAddSquare(h, DecayRate, 1f - DecayRate, g);           // h = decayRate·h + (1 − decayRate)·g·g
        Fused.SubtractScaledRatio(w, LearningRate, g, h, _epsilon);      // W −= lr·g / (√h + ε)
    }
}
