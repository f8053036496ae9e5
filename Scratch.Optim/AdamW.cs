using System.Numerics.Tensors;

namespace Scratch.Optim;

/// <summary>AdamW: <c>W ← W − lr·weightDecay·W</c>, then the <see cref="Adam"/> step <c>W −= lr_t·m/(√v + ε)</c> on the same gradient.</summary>
/// <remarks>
/// Decoupled weight decay (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", ICLR 2019): the decay shrinks
/// the weights directly instead of adding <c>λ·W</c> to the gradient, where Adam's per-weight scaling would weaken it.
/// The order follows PyTorch's <c>torch.optim.AdamW</c>: first <c>W ← W·(1 − lr·λ)</c>, then the Adam step. Since the Adam
/// step does not read W, this is the paper's <c>W_t = W_{t−1} − lr·(adam step + λ·W_{t−1})</c>, with the decay scaled by lr
/// as PyTorch does. The Adam step itself is the book's (ε added to √v, bias correction folded into <c>lr_t</c>;
/// PyTorch adds ε to √v̂ instead, which differs only when √v is near ε).
/// </remarks>
public sealed class AdamW : Optimizer
{
    private float _epsilon = DefaultEpsilon;

    /// <summary>The book's <c>1e-7</c>, added to √v.</summary>
    public const float DefaultEpsilon = 1e-7f;

    /// <summary>AdamW with Adam's defaults and PyTorch's default <paramref name="weightDecay"/> of 0.01.</summary>
    /// <exception cref="ArgumentException"><paramref name="lr"/> or <paramref name="weightDecay"/> is negative or not finite, or a β is outside [0, 1).</exception>
    public AdamW(float lr = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float weightDecay = 0.01f)
        : base(lr, slots: ["m", "v"], savesStepCount: true)
    {
        Beta1 = Check.UnitInterval(nameof(AdamW), nameof(beta1), beta1);
        Beta2 = Check.UnitInterval(nameof(AdamW), nameof(beta2), beta2);
        WeightDecay = Check.NonNegative(nameof(AdamW), nameof(weightDecay), weightDecay);
    }

    /// <summary>Decay of the first moment <c>m</c>.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second moment <c>v</c>.</summary>
    public float Beta2 { get; }

    /// <summary>λ in <c>W ← W − lr·λ·W</c>.</summary>
    public float WeightDecay { get; }

    /// <summary>ε in <c>lr_t·m / (√v + ε)</c>; finite and &gt; 0.</summary>
    public float Epsilon
    {
        get => _epsilon;
        set => _epsilon = Check.Positive(nameof(AdamW), nameof(Epsilon), value, nameof(value));
    }

    /// <inheritdoc/>
    protected override bool IsElementwise => true;

    /// <inheritdoc/>
    protected override void Step(Span<float> w, ReadOnlySpan<float> g, OptimizerState state)
    {
        Span<float> m = state[0], v = state[1];
        TensorPrimitives.Multiply(w, 1f - LearningRate * WeightDecay, w);                    // W −= lr·λ·W (decoupled decay, before the step)
        // then Adam's step, t counted by the base class:
        float lrT = Adam.BiasCorrectedLr(LearningRate, Beta1, Beta2, state.Steps);          // lr_t = lr·√(1 − β2ᵗ)/(1 − β1ᵗ)
        Fused.AdamStep(w, g, m, v, 1f - Beta1, 1f - Beta2, lrT, 1f, _epsilon);              // m, v moved toward g, g²; W −= lr_t·m / (√v + ε)
    }
}
