using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Scratch.Tensors.Kernels;

/// <summary>A layer's bias gradient on a (rows, cols) span: <c>db = Σ_rows dout</c> (a bias per column) or <c>Σ_cols dout</c> (a bias per row). Each has a <c>Naive</c> twin; the forward bias is added by the GEMM's store.</summary>
public static class Bias
{
    /// <summary><c>sum[j] = Σ_r x[r, j]</c>, rows added in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumRows(ReadOnlySpan<float> x, int rows, int cols, Span<float> sum)
    {
        sum[..cols].Clear();
        for (int r = 0; r < rows; r++)
            TensorPrimitives.Add(x.Slice(r * cols, cols), sum, sum);
    }

    /// <summary><c>sum[r] (+)= Σ_j x[r, j]</c>: a convolution's <c>db</c> from dout in (FN, N·P) order, added to <paramref name="sum"/> when <paramref name="accumulate"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumEachRow(ReadOnlySpan<float> x, int rows, int cols, Span<float> sum, bool accumulate = false)
    {
        for (int r = 0; r < rows; r++)
            sum[r] = (accumulate ? sum[r] : 0f) + TensorPrimitives.Sum(x.Slice(r * cols, cols));
    }

    /// <summary>The reference of <see cref="SumRows"/>: a scalar loop.</summary>
    public static void SumRowsNaive(ReadOnlySpan<float> x, int rows, int cols, Span<float> sum)
    {
        for (int j = 0; j < cols; j++)
        {
            float s = 0f;
            for (int r = 0; r < rows; r++) s += x[r * cols + j];
            sum[j] = s;
        }
    }

    /// <summary>The reference of <see cref="SumEachRow"/>: a scalar loop in double.</summary>
    public static void SumEachRowNaive(ReadOnlySpan<float> x, int rows, int cols, Span<float> sum)
    {
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            for (int j = 0; j < cols; j++) s += x[r * cols + j];
            sum[r] = (float)s;
        }
    }
}
