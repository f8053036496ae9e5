using System.Numerics.Tensors;

namespace Scratch.Optim;

/// <summary>Momentum SGD: <c>v ← momentum·v − lr·∂L/∂W;  W ← W + v</c> (the book), or <c>v ← momentum·v + ∂L/∂W;  W ← W − lr·v</c> (PyTorch).</summary>
/// <remarks>
/// The book's <c>Momentum.update</c>:
/// <c>self.v[key] = self.momentum*self.v[key] - self.lr*grads[key]; params[key] += self.v[key]</c>.
/// With <see cref="Convention.PyTorch"/> it is <c>torch.optim.SGD(momentum=μ)</c> without dampening:
/// <c>v = μ·v + g; W −= lr·v</c>. The velocity <c>v</c> starts at zero for each parameter on its first update.
/// </remarks>
public sealed class Momentum : IOptimizer
{
    private float _lr;
    private readonly Dictionary<Parameter, float[]> _v = State.NewTable<float[]>();

    /// <summary>Momentum SGD with step size <paramref name="lr"/> and velocity decay <paramref name="momentum"/> (the book's defaults), in the book's or PyTorch's <paramref name="convention"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="lr"/> is negative or not finite, or <paramref name="momentum"/> is outside [0, 1).</exception>
    public Momentum(float lr = 0.01f, float momentum = 0.9f, Convention convention = Convention.Book)
    {
        Convention = convention;
        _lr = Check.NonNegative(nameof(Momentum), nameof(lr), lr);
        MomentumFactor = Check.UnitInterval(nameof(Momentum), nameof(momentum), momentum);
    }

    /// <inheritdoc/>
    public float LearningRate
    {
        get => _lr;
        set => _lr = Check.NonNegative(nameof(Momentum), nameof(LearningRate), value, nameof(value));
    }

    /// <summary>The book's <c>momentum</c>: how much of the previous velocity each step keeps.</summary>
    public float MomentumFactor { get; }

    /// <summary>Which velocity the rule keeps: the book's (a step, <c>−lr·g</c> folded in) or PyTorch's (a sum of gradients).</summary>
    public Convention Convention { get; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, float[]> GetState(Parameter parameter) => State.Get(_v, parameter, "v");

    /// <inheritdoc/>
    public void SetState(Parameter parameter, IReadOnlyDictionary<string, float[]> state) => State.Set(nameof(Momentum), _v, parameter, state, "v");

    /// <inheritdoc/>
    public void Update(IReadOnlyList<Parameter> parameters)
    {
        Check.All(nameof(Momentum), parameters);   // every parameter valid before any changes
        for (int p = 0; p < parameters.Count; p++)
        {
            Check.ValueAndGrad(nameof(Momentum), parameters, p, out Span<float> w, out ReadOnlySpan<float> g);
            Span<float> v = State.For(_v, parameters[p], State.Zeros);
            if (Convention == Convention.Book)
            {
                TensorPrimitives.Multiply(v, MomentumFactor, v);         // v = momentum·v
                TensorPrimitives.MultiplyAdd(g, -_lr, v, v);             //     − lr·g
                TensorPrimitives.Add(w, v, w);                           // W += v
            }
            else
            {
                TensorPrimitives.MultiplyAdd(v, MomentumFactor, g, v);   // v = momentum·v + g
                TensorPrimitives.MultiplyAdd(v, -_lr, w, w);             // W −= lr·v
            }
        }
    }
}
