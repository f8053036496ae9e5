using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
            ShortSpans.Add(sum, x.Slice(r * cols, cols));
    }

    /// <summary><c>sum[r] (+)= Σ_j x[r, j]</c>: a convolution's <c>db</c> from dout in (FN, N·P) order, added to <paramref name="sum"/> when <paramref name="accumulate"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumEachRow(ReadOnlySpan<float> x, int rows, int cols, Span<float> sum, bool accumulate = false)
    {
        for (int r = 0; r < rows; r++)
            sum[r] = (accumulate ? sum[r] : 0f) + Sum(x.Slice(r * cols, cols));
    }

    /// <summary><c>sum[f] (+)= Σ_image Σ_j x[image, f, j]</c>: a convolution's <c>db</c> from dout in (N, FN, P) order, images added in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumEachMap(ReadOnlySpan<float> x, int images, int maps, int size, Span<float> sum, bool accumulate = false)
    {
        if (!accumulate)
            sum[..maps].Clear();
        for (int image = 0; image < images; image++)
            for (int f = 0; f < maps; f++)
                sum[f] += Sum(x.Slice((image * maps + f) * size, size));
    }

    /// <summary>
    /// <c>Σ x</c>, 16 floats at a time in two Vector256 sums, for the sums of whole rows and maps above: fully optimized from
    /// its first call (<c>TensorPrimitives.Sum</c>'s generic code ran unoptimized for the first few hundred calls, and
    /// took a quarter of a convolution's backward pass in a 50-call benchmark).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Sum(ReadOnlySpan<float> x)
    {
        ref float start = ref MemoryMarshal.GetReference(x);
        int i = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated && x.Length >= 16)
        {
            Vector256<float> s0 = Vector256<float>.Zero, s1 = Vector256<float>.Zero;
            for (; i <= x.Length - 16; i += 16)
            {
                s0 += Vector256.LoadUnsafe(ref start, (nuint)i);
                s1 += Vector256.LoadUnsafe(ref start, (nuint)i + 8);
            }
            sum = Vector256.Sum(s0 + s1);
        }
        for (; i < x.Length; i++)
            sum += Unsafe.Add(ref start, i);
        return sum;
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

    /// <summary>The reference of <see cref="SumEachMap"/>: a scalar loop in double.</summary>
    public static void SumEachMapNaive(ReadOnlySpan<float> x, int images, int maps, int size, Span<float> sum)
    {
        for (int f = 0; f < maps; f++)
        {
            double s = 0;
            for (int image = 0; image < images; image++)
                for (int j = 0; j < size; j++) s += x[(image * maps + f) * size + j];
            sum[f] = (float)s;
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
