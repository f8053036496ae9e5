using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>The tall Vector512 register tile of <see cref="GemmBlocked"/>: a (MR, NR) = (12, 32) block of C, for large products.</summary>
/// <remarks>
/// 12 rows × 2 vectors of 16 floats = 24 Vector512 accumulators, plus 2 for the row of B and 1 for the broadcast of
/// A: 27 of the 32 zmm registers. Each row of B loaded serves 12 rows of A rather than the 8 of
/// <see cref="GemmMicroKernel512"/>: 14 loads per 24 multiply-adds instead of 10 per 16, and a third less of B
/// streamed from L2 per multiply-add (a (KC, 32) sliver of B is larger than L1d). Measured on one block as the driver
/// runs it (one thread, 168 rows × 32 slivers of B, alternated in one process): 1.06-1.10× the speed of the 8×32 tile
/// at depths 448-683; on whole products 1.03-1.06× from 1024³ (<see cref="GemmBlocked.PrefersTallTile"/>). Its last
/// sliver of rows pads up to 11 rows and it has no narrow edge kernel, so <see cref="GemmBlocked"/> takes it only for
/// large products.
/// Each element of C adds its products in order of p, over depth blocks that depend only on NR and the caches, as
/// in the 8×32 tile: both give bit-identical results, except in an edge of at most 4 columns, which the 8×32 tile
/// sums in two chains (<c>RunNarrow</c>).
/// </remarks>
internal readonly unsafe struct GemmMicroKernel512Tall : IGemmMicroKernel
{
    public static int MR => 12;

    /// <summary>Two Vector512 of floats.</summary>
    public static int NR => 32;

    /// <summary>No narrow edge kernel: every sliver of B is (kc, NR).</summary>
    public static int NarrowNR => 0;

    /// <summary>How far ahead (floats) <see cref="Run"/> prefetches the slivers of B and A: 8 and 16 steps of p, as <see cref="GemmMicroKernel512"/>.</summary>
    private const int PrefetchB = 8 * 32, PrefetchA = 16 * 12;

    /// <inheritdoc cref="IGemmMicroKernel.Run"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool overwrite, float* rowBias, float* columnBias, bool relu)
        => Tile(kc, a, b, c, ldc, MR, NR, overwrite, rowBias, columnBias, relu, full: true);

    /// <inheritdoc cref="IGemmMicroKernel.RunPartial"/>
    /// <remarks>The whole tile is computed from the zero-padded slivers, as <see cref="Run"/>; rows r &lt; mr are stored with AVX-512 masks.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunPartial(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr, bool overwrite, float* rowBias, float* columnBias, bool relu)
        => Tile(kc, a, b, c, ldc, mr, nr, overwrite, rowBias, columnBias, relu, full: false);

    /// <summary>The tile's loop over p, then its store: whole rows when <paramref name="full"/>, else rows r &lt; mr, columns j &lt; nr.</summary>
    /// <remarks>Too large to be inlined into <see cref="Run"/>: without its own attribute it ran unoptimized for the first products (85 ms for a 1024³ product, against 8).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr, bool overwrite, float* rowBias, float* columnBias, bool relu, bool full)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default, cA0 = default, cA1 = default, cB0 = default, cB1 = default;

        for (int p = 0; p < kc; p++, a += 12, b += 32)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Sse.Prefetch0(b + PrefetchB);
            Sse.Prefetch0(b + PrefetchB + 16);
            Sse.Prefetch0(a + PrefetchA);

            Vector512<float> ai = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(ai, b0, c60); c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(ai, b0, c70); c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);
            ai = Vector512.Create(a[8]);
            c80 = Vector512.FusedMultiplyAdd(ai, b0, c80); c81 = Vector512.FusedMultiplyAdd(ai, b1, c81);
            ai = Vector512.Create(a[9]);
            c90 = Vector512.FusedMultiplyAdd(ai, b0, c90); c91 = Vector512.FusedMultiplyAdd(ai, b1, c91);
            ai = Vector512.Create(a[10]);
            cA0 = Vector512.FusedMultiplyAdd(ai, b0, cA0); cA1 = Vector512.FusedMultiplyAdd(ai, b1, cA1);
            ai = Vector512.Create(a[11]);
            cB0 = Vector512.FusedMultiplyAdd(ai, b0, cB0); cB1 = Vector512.FusedMultiplyAdd(ai, b1, cB1);
        }

        // Lanes j < nr of the two halves of a row (all of them in a full tile).
        Vector512<int> lane = Vector512<int>.Indices;
        Vector512<float> mask0 = full ? Vector512<float>.AllBitsSet : Vector512.LessThan(lane, Vector512.Create(nr)).AsSingle();
        Vector512<float> mask1 = full ? Vector512<float>.AllBitsSet : Vector512.LessThan(lane, Vector512.Create(nr - 16)).AsSingle();
        Vector512<float> bias0 = columnBias == null ? default : full ? Vector512.Load(columnBias) : Avx512F.MaskLoad(columnBias, mask0, default);
        Vector512<float> bias1 = columnBias == null ? default : full ? Vector512.Load(columnBias + 16) : Avx512F.MaskLoad(columnBias + 16, mask1, default);
        bool epilogue = rowBias != null || columnBias != null || relu;
        StoreRow(c, c00, c01, 0, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
        StoreRow(c + ldc, c10, c11, 1, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
        StoreRow(c + 2 * ldc, c20, c21, 2, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
        StoreRow(c + 3 * ldc, c30, c31, 3, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
        StoreRow(c + 4 * ldc, c40, c41, 4, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
        StoreRow(c + 5 * ldc, c50, c51, 5, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
        StoreRow(c + 6 * ldc, c60, c61, 6, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
        StoreRow(c + 7 * ldc, c70, c71, 7, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
        StoreRow(c + 8 * ldc, c80, c81, 8, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
        StoreRow(c + 9 * ldc, c90, c91, 9, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
        StoreRow(c + 10 * ldc, cA0, cA1, 10, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
        StoreRow(c + 11 * ldc, cB0, cB1, 11, mr, mask0, mask1, overwrite, epilogue, bias0, bias1, rowBias, relu, full);
    }

    /// <summary>Row r of the tile, if r &lt; mr: C[+] + epilogue, whole (<paramref name="full"/>) or in the lanes of the masks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector512<float> x0, Vector512<float> x1, int r, int mr, Vector512<float> mask0, Vector512<float> mask1,
        bool overwrite, bool epilogue, Vector512<float> bias0, Vector512<float> bias1, float* rowBias, bool relu, bool full)
    {
        if (full)
        {
            if (!overwrite)
            {
                x0 += Vector512.Load(c);
                x1 += Vector512.Load(c + 16);
            }
            if (epilogue)
            {
                Vector512<float> rowBiasR = GemmMicroKernel512.RowBias(rowBias, r);
                x0 = GemmMicroKernel512.Epilogue(x0, bias0 + rowBiasR, relu);
                x1 = GemmMicroKernel512.Epilogue(x1, bias1 + rowBiasR, relu);
            }
            x0.Store(c);
            x1.Store(c + 16);
        }
        else if (r < mr)
        {
            GemmMicroKernel512.StoreRow(c, x0, x1, mask0, mask1, overwrite, epilogue, bias0, bias1, GemmMicroKernel512.RowBias(rowBias, r), relu);
        }
    }
}
