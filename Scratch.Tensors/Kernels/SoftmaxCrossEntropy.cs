using System.Runtime.CompilerServices;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// Softmax and cross-entropy over the rows of an (N, C) span, one pass per row: <c>y = e^(x − max)/Σ e^(x − max)</c>
/// and <c>L = −Σ_n log(y[n, t_n] + δ) / N</c>; the gradient <c>dx = (y − onehot(t))·scale</c>. Targets are class
/// indices (N) or one-hot rows (N, C). Each loop has a <c>Naive</c> twin.
/// </summary>
/// <remarks>
/// Plain loops with <c>MathF.Exp</c>: rows are short (10 classes for MNIST), and TensorPrimitives' calls per row cost
/// more than the arithmetic; its <c>Exp</c> also ran unoptimized code (<c>Double.MultiplyAddEstimate</c> at tier 0: 4 % of
/// all samples of a 6,000-step run). MultiLayerNetExtend, one core: 9 % of its training step went to this pass.
/// </remarks>
public static class SoftmaxCrossEntropy
{
    /// <summary>Writes <c>y = softmax(x)</c> row by row and returns <c>−Σ log(y[n, t_n] + delta) / N</c> (one-hot: <c>−Σ t·log(y + delta) / N</c>), summed in double.</summary>
    /// <remarks>t: N class indices (already checked to be in [0, C)) or N·C one-hot values.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> t, Span<float> y, int n, int c, float delta)
    {
        bool oneHot = t.Length == n * c;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            Span<float> row = y.Slice(i * c, c);
            ReadOnlySpan<float> xs = x.Slice(i * c, c);
            float max = xs[0];
            for (int k = 1; k < c; k++)
                max = MathF.Max(max, xs[k]);
            float total = 0f;
            for (int k = 0; k < c; k++)
                total += row[k] = MathF.Exp(xs[k] - max);              // x − max ≤ 0, so e^(x − max) ≤ 1
            for (int k = 0; k < c; k++)
                row[k] /= total;
            if (oneHot)
            {
                ReadOnlySpan<float> ts = t.Slice(i * c, c);
                for (int k = 0; k < c; k++)
                    if (ts[k] != 0) sum += ts[k] * Math.Log(row[k] + delta);
            }
            else
                sum += Math.Log(row[(int)t[i]] + delta);
        }
        return (float)(-sum / n);
    }

    /// <summary><c>dx = (y − t)·scale</c> with t one-hot (class indices: 1 at <c>[n, t_n]</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dx, int n, int c, float scale)
    {
        if (t.Length == n * c)
        {
            for (int i = 0; i < n * c; i++)
                dx[i] = (y[i] - t[i]) * scale;
            return;
        }
        for (int i = 0; i < n * c; i++)
            dx[i] = y[i] * scale;
        for (int i = 0; i < n; i++)
            dx[i * c + (int)t[i]] = (y[i * c + (int)t[i]] - 1f) * scale;
    }

    /// <summary>The reference of <see cref="Forward"/>: the softmax in double, element by element.</summary>
    public static float ForwardNaive(ReadOnlySpan<float> x, ReadOnlySpan<float> t, Span<float> y, int n, int c, float delta)
    {
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float max = float.NegativeInfinity;
            for (int k = 0; k < c; k++) max = MathF.Max(max, x[i * c + k]);
            double total = 0;
            for (int k = 0; k < c; k++) total += Math.Exp(x[i * c + k] - max);
            for (int k = 0; k < c; k++) y[i * c + k] = (float)(Math.Exp(x[i * c + k] - max) / total);
            if (t.Length == n * c)
            {
                for (int k = 0; k < c; k++)
                    if (t[i * c + k] != 0) sum += t[i * c + k] * Math.Log(y[i * c + k] + delta);
            }
            else
                sum += Math.Log(y[i * c + (int)t[i]] + delta);
        }
        return (float)(-sum / n);
    }

    /// <summary>The reference of <see cref="Backward"/>.</summary>
    public static void BackwardNaive(ReadOnlySpan<float> y, ReadOnlySpan<float> t, Span<float> dx, int n, int c, float scale)
    {
        for (int i = 0; i < n; i++)
            for (int k = 0; k < c; k++)
            {
                float target = t.Length == n * c ? t[i * c + k] : (int)t[i] == k ? 1f : 0f;
                dx[i * c + k] = (y[i * c + k] - target) * scale;
            }
    }
}
