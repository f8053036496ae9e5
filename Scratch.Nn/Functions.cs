using System.Numerics.Tensors;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>The book's <c>common/functions.py</c> and <c>numerical_gradient</c>: activations, softmax, the two losses, and central differences.</summary>
public static class Functions
{
    /// <summary>Added inside the logarithm of the cross-entropy so that <c>log 0</c> never happens: the book's <c>delta = 1e-7</c>.</summary>
    public const float LogDelta = 1e-7f;

    /// <summary><c>σ(x) = 1 / (1 + e^(−x))</c>, elementwise.</summary>
    public static NDArray Sigmoid(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Sigmoid();
    }

    /// <summary><c>max(x, 0)</c>, elementwise.</summary>
    public static NDArray Relu(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Relu();
    }

    /// <summary><c>softmax(x)_k = e^(x_k − max x) / Σ_j e^(x_j − max x)</c> over the last axis.</summary>
    /// <remarks>
    /// x: (C) or (N, C) (any rank works: each row along the last axis is normalized). Subtracting the row
    /// maximum leaves the result unchanged and keeps <c>e^x</c> finite: <c>softmax([1000, 1001]) = [0.2689, 0.7311]</c>.
    /// </remarks>
    public static NDArray Softmax(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 0)
            throw new ArgumentException($"Softmax: expected x (C) or (N, C), got {Shapes.Format(x.Shape)}.", nameof(x));
        NDArray y = x.Clone();
        int c = x.Dim(-1);
        Span<float> all = y.AsSpan();
        for (int start = 0; start < all.Length; start += c)
        {
            Span<float> row = all.Slice(start, c);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, row);     // x − max ≤ 0, so e^(x − max) ≤ 1
            TensorPrimitives.Exp(row, row);
            float sum = TensorPrimitives.Sum(row);        // ≥ 1: the max term is e^0
            TensorPrimitives.Divide(row, sum, row);
        }
        return y;
    }

    /// <summary>
    /// The book's cross-entropy: <c>−Σ_n log(y[n, t_n] + 1e-7) / N</c> for class indices,
    /// <c>−Σ_n Σ_k t[n, k]·log(y[n, k] + 1e-7) / N</c> for one-hot targets (the same number when t is one-hot).
    /// </summary>
    /// <remarks>
    /// y: (N, C) probabilities, or (C) seen as a batch of one. t: one-hot with y's size, or (N) class indices
    /// stored as whole floats in [0, C). Terms are summed in double.
    /// </remarks>
    public static float CrossEntropyError(NDArray y, NDArray t) => CrossEntropy("CrossEntropyError", y, t);

    internal static float CrossEntropy(string op, NDArray y, NDArray t)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(t);
        if (y.Rank == 1)
        {
            y = y.Reshape(1, y.Size);                      // the book: y.reshape(1, y.size)
            t = t.Reshape(1, t.Size);
        }
        if (y.Rank != 2)
            throw new ArgumentException($"{op}: expected y (N, C) or (C), got {Shapes.Format(y.Shape)}.", nameof(y));
        int n = y.Dim(0), c = y.Dim(1);
        ReadOnlySpan<float> ys = y.Contiguous().AsSpan();
        double sum = 0;
        if (t.Size == y.Size)                           // one-hot, as the book decides: t.size == y.size
        {
            ReadOnlySpan<float> ts = t.Contiguous().AsSpan();
            for (int i = 0; i < ys.Length; i++)
                if (ts[i] != 0) sum += ts[i] * Math.Log(ys[i] + LogDelta);
        }
        else if (t.Size == n && t.Rank <= 2)
        {
            ReadOnlySpan<float> ts = t.Contiguous().AsSpan();
            for (int i = 0; i < n; i++)
                sum += Math.Log(ys[i * c + ClassIndex(op, ts[i], c, i)] + LogDelta);
        }
        else
            throw new ArgumentException($"{op}: t {Shapes.Format(t.Shape)} is neither one-hot like y {Shapes.Format(y.Shape)} nor {n} class indices.", nameof(t));
        return (float)(-sum / n);
    }

    /// <summary>Reads a class index stored as a float; throws unless it is a whole number in [0, C).</summary>
    internal static int ClassIndex(string op, float value, int classes, int row)
    {
        if (!(value >= 0 && value < classes) || value != MathF.Floor(value))
            throw new ArgumentException($"{op}: t[{row}] = {value} is not a class index in [0, {classes}).", "t");
        return (int)value;
    }

    /// <summary>The book's <c>mean_squared_error</c>: <c>0.5·Σ (y − t)²</c> over every element, NOT divided by the batch size.</summary>
    /// <remarks>
    /// y, t: the same shape. This is the book's function exactly (a sum over the batch); the
    /// <see cref="Nn.MeanSquaredError"/> loss layer divides by N instead, so that its gradient does not grow with the batch.
    /// </remarks>
    public static float MeanSquaredError(NDArray y, NDArray t)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(t);
        Guard.SameShape("MeanSquaredError", "t", t, "y", y.Shape);
        return (float)(0.5 * SumOfSquaredDifferences(y, t));
    }

    /// <summary><c>Σ (y − t)²</c> accumulated in double.</summary>
    internal static double SumOfSquaredDifferences(NDArray y, NDArray t)
    {
        ReadOnlySpan<float> ys = y.Contiguous().AsSpan(), ts = t.Contiguous().AsSpan();
        double sum = 0;
        for (int i = 0; i < ys.Length; i++)
        {
            double d = (double)ys[i] - ts[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>The book's <c>numerical_gradient(f, x)</c>: <c>∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h</c> for every element.</summary>
    /// <remarks>
    /// x: any shape, contiguous (a <see cref="Scratch.Optim.Parameter"/>'s Value always is); each element is
    /// nudged in place, <paramref name="f"/> is called with x, and the element is restored. Result: x's shape.
    /// The book's h = 1e-4 suits float64; in float32 the rounding of f (about 1e-7·|f|) divided by h swamps the
    /// answer, so take h ≈ 1e-2 to 1e-3 (see <see cref="GradientCheck"/>). The divisor is the step actually taken,
    /// <c>fl(x + h) − fl(x − h)</c>, which is not exactly 2h in float.
    /// </remarks>
    public static NDArray NumericalGradient(Func<NDArray, float> f, NDArray x, float h)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        if (!x.IsContiguous)
            throw new ArgumentException($"NumericalGradient: x {Shapes.Format(x.Shape)} must be contiguous (it is nudged in place).", nameof(x));
        if (!(h > 0) || !float.IsFinite(h))
            throw new ArgumentException($"NumericalGradient: step h = {h} must be positive and finite.", nameof(h));
        var grad = NDArray.ZerosLike(x);
        CentralDifferences(() => f(x), x.AsSpan(), grad.AsSpan(), h);
        return grad;
    }

    /// <summary><c>grad[i] = (f(v + h·e_i) − f(v − h·e_i)) / (fl(v_i + h) − fl(v_i − h))</c>, nudging <paramref name="values"/> in place.</summary>
    internal static void CentralDifferences(Func<double> f, Span<float> values, Span<float> grad, float h)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float saved = values[i];
            float plus = saved + h, minus = saved - h;
            values[i] = plus;
            double fPlus = f();
            values[i] = minus;
            double fMinus = f();
            values[i] = saved;
            grad[i] = (float)((fPlus - fMinus) / ((double)plus - minus));
        }
    }
}
