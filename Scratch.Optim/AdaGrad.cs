using System.Numerics.Tensors;

namespace Scratch.Optim;

/// <summary>AdaGrad: <c>h ← h + g²;  W ← W − lr·g / (√h + ε)</c>.</summary>
/// <remarks>
/// The book's <c>AdaGrad.update</c>:
/// <c>self.h[key] += grads[key] * grads[key]; params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)</c>.
/// Each weight's step shrinks as its squared gradients accumulate in <c>h</c> (zero on the parameter's first update).
/// </remarks>
public sealed class AdaGrad : IOptimizer
{
    private float _lr;
    private float _epsilon = DefaultEpsilon;
    private readonly Dictionary<Parameter, float[]> _h = State.NewTable<float[]>();

    /// <summary>The book's <c>1e-7</c>, added to √h so the first division is defined.</summary>
    public const float DefaultEpsilon = 1e-7f;

    /// <summary>AdaGrad with step size <paramref name="lr"/> (the book's default 0.01).</summary>
    /// <exception cref="ArgumentException"><paramref name="lr"/> is negative, NaN or infinite.</exception>
    public AdaGrad(float lr = 0.01f) => _lr = Check.NonNegative(nameof(AdaGrad), nameof(lr), lr);

    /// <inheritdoc/>
    public float LearningRate
    {
        get => _lr;
        set => _lr = Check.NonNegative(nameof(AdaGrad), nameof(LearningRate), value, nameof(value));
    }

    /// <summary>ε in <c>lr·g / (√h + ε)</c>; finite and &gt; 0.</summary>
    public float Epsilon
    {
        get => _epsilon;
        set => _epsilon = Check.Positive(nameof(AdaGrad), nameof(Epsilon), value, nameof(value));
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, float[]> GetState(Parameter parameter) => State.Get(_h, parameter, "h");

    /// <inheritdoc/>
    public void SetState(Parameter parameter, IReadOnlyDictionary<string, float[]> state) => State.Set(nameof(AdaGrad), _h, parameter, state, "h");

    /// <inheritdoc/>
    public void Update(IReadOnlyList<Parameter> parameters)
    {
        Check.All(nameof(AdaGrad), parameters);   // every parameter valid before any changes
        for (int p = 0; p < parameters.Count; p++)
        {
            Check.ValueAndGrad(nameof(AdaGrad), parameters, p, out Span<float> w, out ReadOnlySpan<float> g);
            Span<float> h = State.For(_h, parameters[p], State.Zeros);
            TensorPrimitives.MultiplyAdd(g, g, h, h);                    // h += g·g
            Fused.SubtractScaledRatio(w, _lr, g, h, _epsilon);           // W −= lr·g / (√h + ε)
        }
    }
}
