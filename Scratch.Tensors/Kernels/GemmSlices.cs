using System.Numerics.Tensors;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// A large product cut into independent one-thread GEMMs, shared among threads by one <see cref="ParallelRange"/>
/// loop: by slices of C's columns, or by slices of the inner dimension k whose partial products are then added in
/// slice order. The slices depend only on the sizes, so the result is the same for any thread count. Suited to the
/// skinny products of a batch-wide convolution (FN rows against N·OH·OW columns, or a k of N·OH·OW for dW), where the
/// blocked kernel's own parallel split would synchronize its threads once per small cache block.
/// </summary>
public static class GemmSlices
{
    /// <summary>Multiply-adds per slice: below <see cref="GemmBlocked"/>'s parallel threshold, so each slice runs on one thread.</summary>
    public const long SliceMultiplyAdds = 1L << 21;

    /// <summary>How many slices an (m, n, k) product is cut into along a dimension of <paramref name="length"/>.</summary>
    public static int Slices(int m, int n, int k, int length) =>
        (int)Math.Clamp((long)m * n * k / SliceMultiplyAdds, 1, Math.Max(1, length / 16));

    /// <summary><c>C = A·B</c> computed by slices of C's n columns. A (m, k), B (k, n) and C (m, n) as in <see cref="Gemm.Multiply(int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, Span{float}, int, bool, ReadOnlySpan{float}, ReadOnlySpan{float}, bool)"/>.</summary>
    public static void ByColumns(int m, int n, int k,
        ReadOnlyMemory<float> a, int aRowStride, int aColStride,
        ReadOnlyMemory<float> b, int bRowStride, int bColStride,
        Memory<float> c, int cRowStride)
    {
        int slices = Slices(m, n, k, n);
        ParallelRange.For(slices, new ColumnBody(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, slices), (long)m * n * k);
    }

    /// <summary>
    /// <c>C = A·B</c> computed by slices of k: slice s writes <c>A[:, ks]·B[ks, :]</c> into its own (m, n) block of
    /// <paramref name="partials"/> (at least slices·m·n floats, see <see cref="Slices"/> with length k), then C is the sum of the blocks in slice order.
    /// </summary>
    public static void ByDepth(int m, int n, int k,
        ReadOnlyMemory<float> a, int aRowStride, int aColStride,
        ReadOnlyMemory<float> b, int bRowStride, int bColStride,
        Span<float> c, int cRowStride, Memory<float> partials)
    {
        int slices = Slices(m, n, k, k);
        ParallelRange.For(slices, new DepthBody(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, partials, slices), (long)m * n * k);
        ReadOnlySpan<float> blocks = partials.Span;
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * cRowStride, n);
            blocks.Slice(i * n, n).CopyTo(row);
            for (int s = 1; s < slices; s++)
                TensorPrimitives.Add(row, blocks.Slice(s * m * n + i * n, n), row);
        }
    }

    /// <summary>The start of slice <paramref name="s"/> of <paramref name="slices"/> over <paramref name="length"/>.</summary>
    private static int Start(int s, int slices, int length) => (int)((long)length * s / slices);

    private readonly struct ColumnBody(int m, int n, int k, ReadOnlyMemory<float> a, int aRowStride, int aColStride,
        ReadOnlyMemory<float> b, int bRowStride, int bColStride, Memory<float> c, int cRowStride, int slices) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int s = from; s < to; s++)
            {
                int j0 = Start(s, slices, n), j1 = Start(s + 1, slices, n);
                Gemm.Multiply(m, j1 - j0, k, a.Span, aRowStride, aColStride,
                    b.Span[(j0 * bColStride)..], bRowStride, bColStride, c.Span[j0..], cRowStride);
            }
        }
    }

    private readonly struct DepthBody(int m, int n, int k, ReadOnlyMemory<float> a, int aRowStride, int aColStride,
        ReadOnlyMemory<float> b, int bRowStride, int bColStride, Memory<float> partials, int slices) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int s = from; s < to; s++)
            {
                int p0 = Start(s, slices, k), p1 = Start(s + 1, slices, k);
                Gemm.Multiply(m, n, p1 - p0, a.Span[(p0 * aColStride)..], aRowStride, aColStride,
                    b.Span[(p0 * bRowStride)..], bRowStride, bColStride, partials.Span.Slice(s * m * n, m * n), n);
            }
        }
    }
}
