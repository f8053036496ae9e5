using System.Numerics.Tensors;
using Scratch.Tensors;

namespace Scratch.Optim;

/// <summary>Weight decay the book's way: a penalty added to the loss and its gradient added to <c>Grad</c> (L2: <c>½λΣW²</c>, L1: <c>λΣ|W|</c>).</summary>
/// <remarks>
/// The book's <c>MultiLayerNet.loss</c> adds <c>0.5 * self.weight_decay_lambda * np.sum(W ** 2)</c> for each weight matrix, and
/// <c>gradient</c> adds <c>self.weight_decay_lambda * self.layers['Affine' + str(idx)].W</c> to <c>dW</c> after backprop.
/// The network decides which parameters decay (the book: only the W's, not the biases); pass just those.
/// </remarks>
public static class WeightDecay
{
    /// <summary><c>½·λ·Σ W²</c> over every element of every weight (the book's L2 penalty).</summary>
    /// <exception cref="ArgumentException"><paramref name="lambda"/> is negative or not finite.</exception>
    public static float L2Loss(IEnumerable<Parameter> weights, float lambda)
    {
        Check.NonNegative(nameof(WeightDecay), nameof(lambda), lambda);
        double sum = 0;
        foreach (Parameter p in Each(weights))
            sum += TensorPrimitives.SumOfSquares(p.Value.AsSpan());
        return (float)(0.5 * lambda * sum);
    }

    /// <summary><c>Grad += λ·W</c> for every weight (the gradient of <see cref="L2Loss"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="lambda"/> is negative or not finite, or a Grad does not match its Value.</exception>
    public static void AddL2Gradient(IEnumerable<Parameter> weights, float lambda)
    {
        Check.NonNegative(nameof(WeightDecay), nameof(lambda), lambda);
        foreach (Parameter p in Each(weights))
        {
            Span<float> g = GradOf(nameof(AddL2Gradient), p);
            TensorPrimitives.MultiplyAdd(p.Value.AsSpan(), lambda, g, g);      // dW += λ·W
        }
    }

    /// <summary><c>λ·Σ |W|</c> over every element of every weight (the L1 penalty).</summary>
    /// <exception cref="ArgumentException"><paramref name="lambda"/> is negative or not finite.</exception>
    public static float L1Loss(IEnumerable<Parameter> weights, float lambda)
    {
        Check.NonNegative(nameof(WeightDecay), nameof(lambda), lambda);
        double sum = 0;
        foreach (Parameter p in Each(weights))
            sum += TensorPrimitives.SumOfMagnitudes(p.Value.AsSpan());
        return (float)(lambda * sum);
    }

    /// <summary><c>Grad += λ·sign(W)</c> for every weight, with <c>sign(0) = 0</c> as NumPy's <c>np.sign</c> (a subgradient of <see cref="L1Loss"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="lambda"/> is negative or not finite, or a Grad does not match its Value.</exception>
    public static void AddL1Gradient(IEnumerable<Parameter> weights, float lambda)
    {
        Check.NonNegative(nameof(WeightDecay), nameof(lambda), lambda);
        foreach (Parameter p in Each(weights))
        {
            Span<float> g = GradOf(nameof(AddL1Gradient), p);
            ReadOnlySpan<float> w = p.Value.AsSpan();
            for (int i = 0; i < w.Length; i++)
                g[i] += lambda * (w[i] > 0f ? 1f : w[i] < 0f ? -1f : 0f);   // dW += λ·sign(W)
        }
    }

    private static IEnumerable<Parameter> Each(IEnumerable<Parameter> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        foreach (Parameter? p in weights)
            yield return p ?? throw new ArgumentException($"{nameof(WeightDecay)}: weights contains null.", nameof(weights));
    }

    private static Span<float> GradOf(string op, Parameter p)
    {
        if (!Check.SameShape(p.Value, p.Grad) || !p.Grad.IsContiguous)
            throw new ArgumentException(
                $"{nameof(WeightDecay)}.{op}: parameter '{p.Name}' has Grad {Shapes.Format(p.Grad.Shape)} (contiguous: {p.Grad.IsContiguous}) " +
                $"but Value {Shapes.Format(p.Value.Shape)}; Grad must be a contiguous array of Value's shape.", "weights");
        return p.Grad.AsSpan();
    }
}
