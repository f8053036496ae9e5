using System.Numerics.Tensors;

namespace Scratch.Optim;

/// <summary>Stochastic gradient descent: <c>W ← W − lr·∂L/∂W</c>.</summary>
/// <remarks>
/// The book's <c>SGD.update</c>: <c>params[key] -= self.lr * grads[key]</c>. No state.
/// </remarks>
public sealed class Sgd : IOptimizer
{
    private float _lr;

    /// <summary>SGD with step size <paramref name="lr"/> (the book's default 0.01).</summary>
    /// <exception cref="ArgumentException"><paramref name="lr"/> is negative, NaN or infinite.</exception>
    public Sgd(float lr = 0.01f) => _lr = Check.NonNegative(nameof(Sgd), nameof(lr), lr);

    /// <inheritdoc/>
    public float LearningRate
    {
        get => _lr;
        set => _lr = Check.NonNegative(nameof(Sgd), nameof(LearningRate), value, nameof(value));
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, float[]> GetState(Parameter parameter) => new Dictionary<string, float[]>();   // SGD keeps no state

    /// <inheritdoc/>
    public void SetState(Parameter parameter, IReadOnlyDictionary<string, float[]> state) => ArgumentNullException.ThrowIfNull(state);

    /// <inheritdoc/>
    public void Update(IReadOnlyList<Parameter> parameters)
    {
        Check.All(nameof(Sgd), parameters);   // every parameter valid before any changes
        for (int p = 0; p < parameters.Count; p++)
        {
            Check.ValueAndGrad(nameof(Sgd), parameters, p, out Span<float> w, out ReadOnlySpan<float> g);
            TensorPrimitives.MultiplyAdd(g, -_lr, w, w);                 // W −= lr·g
        }
    }
}
