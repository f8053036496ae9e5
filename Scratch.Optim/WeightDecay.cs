using System.Numerics.Tensors;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Optim;

/// <summary>Weight decay the book's way: a penalty added to the loss and its gradient added to <c>Grad</c> (L2: <c>½λΣW²</c>, L1: <c>λΣ|W|</c>).</summary>
/// <remarks>
/// The book's <c>MultiLayerNet.loss</c> adds <c>0.5 * self.weight_decay_lambda * np.sum(W ** 2)</c> for each weight matrix, and
/// <c>gradient</c> adds <c>self.weight_decay_lambda * self.layers['Affine' + str(idx)].W</c> to <c>dW</c> after backprop.
/// The network decides which parameters decay (the book: only the W's, not the biases); pass just those.
/// The gradient passes run a large weight (131,072 elements or more) in blocks on up to all cores, bit-identical to one pass.
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
            AddGradient(p, GradOf(nameof(AddL2Gradient), p), lambda, l1: false);
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
            AddGradient(p, GradOf(nameof(AddL1Gradient), p), lambda, l1: true);
    }

    /// <summary><c>Grad += λ·sign(W)</c> (<paramref name="l1"/>) or <c>Grad += λ·W</c>, in one pass or, for a large weight, in blocks on up to all cores.</summary>
    private static void AddGradient(Parameter p, Span<float> g, float lambda, bool l1)
    {
        if (Blocks.Apply(g.Length))
            ParallelRange.ForEachClaimed(Blocks.Count(g.Length), new GradientBody(p.Value, p.Grad, lambda, l1), work: 2L * g.Length);
        else
            AddGradient(p.Value.AsSpan(), g, lambda, l1);
    }

    private static void AddGradient(ReadOnlySpan<float> w, Span<float> g, float lambda, bool l1)
    {
        if (l1)
            for (int i = 0; i < w.Length; i++)
                g[i] += lambda * (w[i] > 0f ? 1f : w[i] < 0f ? -1f : 0f);   // dW += λ·sign(W)
        else
            TensorPrimitives.MultiplyAdd(w, lambda, g, g);                  // dW += λ·W
    }

    /// <summary>Blocks [from, to) of one weight's gradient pass; holds the arrays, not spans, so it can cross threads.</summary>
    private readonly struct GradientBody(NDArray value, NDArray grad, float lambda, bool l1) : IRangeBody
    {
        public void Run(int from, int to)
        {
            ReadOnlySpan<float> w = value.AsSpan();
            Span<float> g = grad.AsSpan();
            for (int b = from; b < to; b++)
            {
                (int start, int length) = Blocks.Range(b, w.Length);
                AddGradient(w.Slice(start, length), g.Slice(start, length), lambda, l1);
            }
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
