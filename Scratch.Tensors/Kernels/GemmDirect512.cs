using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// <c>C = relu?(A·B (+ C) + bias)</c> for products of few rows, straight from A and B without packing: the (8, 32) register
/// tile of <see cref="GemmMicroKernel512"/> reads B's rows where they lie and broadcasts A's elements through its strides.
/// </summary>
/// <remarks>
/// <see cref="GemmBlocked"/> copies both operands into slivers before multiplying, which pays when each sliver is
/// used many times. A packed sliver of B is used once per 8 rows of A, so for a product of at most 16 rows the copy
/// costs more than it saves. Here B's rows are read where they lie (they need a unit column stride) and A's elements
/// are broadcast through any strides (row-major, or transposed as in <c>xᵀ·dy</c>). A tile's rows past m repeat the
/// last row and its columns past n are masked, so nothing outside the operands is read. Each element of C is summed
/// over p = 0, 1, …, k - 1 by one chain of multiply-adds.
/// <para>
/// Measured on the 2-core Intel Xeon (family 6, model 207, AVX-512), one thread, packed and direct alternated in one
/// process (best of many runs): (16, 144)·(144, 784) 40.8 → 24.8 µs, (8, 100)·(100, 1000) 25.0 → 11.8, (5, 300)·(300, 300)
/// 29.3 → 10.0, (16, 576)·(576, 64) 16.9 → 8.5, (16, 100)·(100, 100) with A stored transposed 5.0 → 2.4. With more rows the packed path
/// wins or ties: (100, 784)·(784, 100) 180 → 194 µs, (784, 100)ᵀ·(100, 100) 136 → 153, (100, 16)·(16, 784) 18.5 →
/// 20.4, (100, 100)·(100, 100) even. There B's rows, 400 bytes apart and unaligned, stream from L2 for every sliver of
/// rows, where a packed sliver streams whole cache lines. Reading only A in place, with B packed, did not pay either:
/// (100, 784)·(784, 100) ran 1-2 % slower than packing both (this tile on B's packed slivers, and the 4-column edge as
/// dot products of A's rows), the tile itself about 15 % slower than the packed micro-kernel with A's 8 rows streaming from L2.
/// </para>
/// </remarks>
internal static unsafe class GemmDirect512
{
    private const int MR = 8, NR = 32;

    /// <summary>
    /// Whether the direct path takes this product: AVX-512F, B with unit column stride, at most 16 rows (two slivers
    /// of the tile), and one thread's work (under <see cref="GemmBlocked.ParallelMinMultiplyAdds"/>; the packed path
    /// splits larger products between the cores).
    /// </summary>
    public static bool Applies(int m, int n, int k, int bColStride) =>
        Avx512F.IsSupported && bColStride == 1 && m <= 2 * MR &&
        (long)m * n * k < GemmBlocked.ParallelMinMultiplyAdds;

    /// <summary><c>C = relu?(A·B (+ C) + bias)</c>; arguments as in <see cref="GemmBlocked.Multiply(int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, Span{float}, int, bool, ReadOnlySpan{float}, ReadOnlySpan{float}, bool)"/>, validated, B with unit column stride.</summary>
    public static void Multiply(int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride,
        Span<float> c, int cRowStride, bool accumulate,
        ReadOnlySpan<float> rowBias, ReadOnlySpan<float> columnBias, bool relu)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pRowBias = rowBias)
        fixed (float* pColumnBias = columnBias)
        {
            // Column slivers outside, so that one sliver of B's columns is reused from cache by every sliver of rows.
            for (int j0 = 0; j0 < n; j0 += NR)
            {
                int nr = Math.Min(NR, n - j0);
                for (int i0 = 0; i0 < m; i0 += MR)
                {
                    int mr = Math.Min(MR, m - i0);
                    Tile(k, pa + (nint)i0 * aRowStride, aRowStride, aColStride, mr, pb + j0, bRowStride, nr,
                        pc + (nint)i0 * cRowStride + j0, cRowStride, !accumulate,
                        pRowBias == null ? null : pRowBias + i0, pColumnBias == null ? null : pColumnBias + j0, relu);
                }
            }
        }
    }

    /// <summary>One tile: rows r &lt; mr of A (from <paramref name="a"/>, <paramref name="aRowStride"/> apart) times columns j &lt; nr of B into C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(int k, float* a, nint aRowStride, nint aColStride, int mr, float* b, nint bRowStride, int nr,
        float* c, nint ldc, bool overwrite, float* rowBias, float* columnBias, bool relu)
    {
        // Offsets of rows 1-7 from row 0; rows past mr read row mr - 1 again (their sums are never stored).
        nint o1 = Math.Min(1, mr - 1) * aRowStride, o2 = Math.Min(2, mr - 1) * aRowStride, o3 = Math.Min(3, mr - 1) * aRowStride;
        nint o4 = Math.Min(4, mr - 1) * aRowStride, o5 = Math.Min(5, mr - 1) * aRowStride, o6 = Math.Min(6, mr - 1) * aRowStride;
        nint o7 = Math.Min(7, mr - 1) * aRowStride;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;

        Vector512<int> lane = Vector512<int>.Indices;
        Vector512<float> mask0 = Vector512.LessThan(lane, Vector512.Create(nr)).AsSingle();
        Vector512<float> mask1 = Vector512.LessThan(lane, Vector512.Create(nr - 16)).AsSingle();
        if (nr == NR)
        {
            for (int p = 0; p < k; p++, a += aColStride, b += bRowStride)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> b1 = Vector512.Load(b + 16);
                Vector512<float> ai = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
                ai = Vector512.Create(a[o1]);
                c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
                ai = Vector512.Create(a[o2]);
                c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
                ai = Vector512.Create(a[o3]);
                c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
                ai = Vector512.Create(a[o4]);
                c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
                ai = Vector512.Create(a[o5]);
                c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
                ai = Vector512.Create(a[o6]);
                c60 = Vector512.FusedMultiplyAdd(ai, b0, c60); c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
                ai = Vector512.Create(a[o7]);
                c70 = Vector512.FusedMultiplyAdd(ai, b0, c70); c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);
            }
        }
        else if (nr > 16)
        {
            for (int p = 0; p < k; p++, a += aColStride, b += bRowStride)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> b1 = Avx512F.MaskLoad(b + 16, mask1, default);
                Vector512<float> ai = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
                ai = Vector512.Create(a[o1]);
                c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
                ai = Vector512.Create(a[o2]);
                c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
                ai = Vector512.Create(a[o3]);
                c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
                ai = Vector512.Create(a[o4]);
                c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
                ai = Vector512.Create(a[o5]);
                c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
                ai = Vector512.Create(a[o6]);
                c60 = Vector512.FusedMultiplyAdd(ai, b0, c60); c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
                ai = Vector512.Create(a[o7]);
                c70 = Vector512.FusedMultiplyAdd(ai, b0, c70); c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);
            }
        }
        else
        {
            // At most 16 columns: one vector per row, half the multiply-adds.
            for (int p = 0; p < k; p++, a += aColStride, b += bRowStride)
            {
                Vector512<float> b0 = Avx512F.MaskLoad(b, mask0, default);
                c00 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c00);
                c10 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o1]), b0, c10);
                c20 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o2]), b0, c20);
                c30 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o3]), b0, c30);
                c40 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o4]), b0, c40);
                c50 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o5]), b0, c50);
                c60 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o6]), b0, c60);
                c70 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o7]), b0, c70);
            }
        }

        Vector512<float> b0Bias = columnBias == null ? default : Avx512F.MaskLoad(columnBias, mask0, default);
        Vector512<float> b1Bias = columnBias == null ? default : Avx512F.MaskLoad(columnBias + 16, mask1, default);
        bool epilogue = rowBias != null || columnBias != null || relu;
        GemmMicroKernel512.StoreRow(c, c00, c01, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, GemmMicroKernel512.RowBias(rowBias, 0), relu);
        if (mr > 1) GemmMicroKernel512.StoreRow(c + ldc, c10, c11, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, GemmMicroKernel512.RowBias(rowBias, 1), relu);
        if (mr > 2) GemmMicroKernel512.StoreRow(c + 2 * ldc, c20, c21, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, GemmMicroKernel512.RowBias(rowBias, 2), relu);
        if (mr > 3) GemmMicroKernel512.StoreRow(c + 3 * ldc, c30, c31, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, GemmMicroKernel512.RowBias(rowBias, 3), relu);
        if (mr > 4) GemmMicroKernel512.StoreRow(c + 4 * ldc, c40, c41, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, GemmMicroKernel512.RowBias(rowBias, 4), relu);
        if (mr > 5) GemmMicroKernel512.StoreRow(c + 5 * ldc, c50, c51, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, GemmMicroKernel512.RowBias(rowBias, 5), relu);
        if (mr > 6) GemmMicroKernel512.StoreRow(c + 6 * ldc, c60, c61, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, GemmMicroKernel512.RowBias(rowBias, 6), relu);
        if (mr > 7) GemmMicroKernel512.StoreRow(c + 7 * ldc, c70, c71, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, GemmMicroKernel512.RowBias(rowBias, 7), relu);
    }
}
