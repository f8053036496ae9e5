using System.Numerics.Tensors;

namespace Scratch.Optim;

/// <summary>Nesterov momentum, the book's form: <c>v ← momentum·v − lr·g;  W ← W + momentum²·v − (1 + momentum)·lr·g</c>.</summary>
/// <remarks>
/// The book's <c>Nesterov.update</c> (after Bengio et al., "Advances in optimizing recurrent networks", 2012, which rewrites
/// the look-ahead gradient in terms of the current weights):
/// <c>self.v[key] *= self.momentum; self.v[key] -= self.lr * grads[key];
/// params[key] += self.momentum * self.momentum * self.v[key]; params[key] -= (1 + self.momentum) * self.lr * grads[key]</c>.
/// </remarks>
public sealed class Nesterov : IOptimizer
{
    private float _lr;
    private readonly Dictionary<Parameter, float[]> _v = State.NewTable<float[]>();

    /// <summary>Nesterov momentum with step size <paramref name="lr"/> and velocity decay <paramref name="momentum"/> (the book's defaults).</summary>
    /// <exception cref="ArgumentException"><paramref name="lr"/> is negative or not finite, or <paramref name="momentum"/> is outside [0, 1).</exception>
    public Nesterov(float lr = 0.01f, float momentum = 0.9f)
    {
        _lr = Check.NonNegative(nameof(Nesterov), nameof(lr), lr);
        MomentumFactor = Check.UnitInterval(nameof(Nesterov), nameof(momentum), momentum);
    }

    /// <inheritdoc/>
    public float LearningRate
    {
        get => _lr;
        set => _lr = Check.NonNegative(nameof(Nesterov), nameof(LearningRate), value, nameof(value));
    }

    /// <summary>The book's <c>momentum</c>: how much of the previous velocity each step keeps.</summary>
    public float MomentumFactor { get; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, float[]> GetState(Parameter parameter) => State.Get(_v, parameter, "v");

    /// <inheritdoc/>
    public void SetState(Parameter parameter, IReadOnlyDictionary<string, float[]> state) => State.Set(nameof(Nesterov), _v, parameter, state, "v");

    /// <inheritdoc/>
    public void Update(IReadOnlyList<Parameter> parameters)
    {
        Check.All(nameof(Nesterov), parameters);   // every parameter valid before any changes
        float momentum = MomentumFactor;
        for (int p = 0; p < parameters.Count; p++)
        {
            Check.ValueAndGrad(nameof(Nesterov), parameters, p, out Span<float> w, out ReadOnlySpan<float> g);
            Span<float> v = State.For(_v, parameters[p], State.Zeros);
            TensorPrimitives.Multiply(v, momentum, v);                           // v *= momentum
            TensorPrimitives.MultiplyAdd(g, -_lr, v, v);                         // v −= lr·g
            TensorPrimitives.MultiplyAdd(v, momentum * momentum, w, w);          // W += momentum·momentum·v
            TensorPrimitives.MultiplyAdd(g, -(1f + momentum) * _lr, w, w);       // W −= (1 + momentum)·lr·g
        }
    }
}
