using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>The Vector512 register tile of <see cref="GemmBlocked"/>: a (MR, NR) = (8, 32) block of C from packed slivers of A and B.</summary>
/// <remarks>
/// 8 rows × 2 vectors of 16 floats = 16 Vector512 accumulators, plus 2 for the row of B and 1 for the broadcast
/// of A: 19 of the 32 zmm registers of AVX-512, and 16 independent FMA chains. Measured on 1024³, one thread
/// (GFLOP/s, median on the shared machine): 8×32 190-205, 12×32 185-200, 14×32 184, 6×64 181, 4×64 184, so every
/// tile of 16-28 accumulators reaches the same FMA throughput in cache; 8×32 pads less on small and skinny shapes
/// ((100, 784)·(784, 100): 121 vs 112 for 12×32; (57600, 25)·(25, 30): 78 vs 72), so it is the default, and
/// <see cref="GemmMicroKernel512Tall"/> (12×32) takes the large products, whose slivers of B stream from beyond L2.
/// </remarks>
internal readonly unsafe struct GemmMicroKernel512 : IGemmMicroKernel
{
    public static int MR => 8;

    /// <summary>How far ahead (floats) <see cref="Run"/> prefetches the slivers of B and A: 8 and 16 steps of p.</summary>
    private const int PrefetchB = 8 * 32, PrefetchA = 16 * 8;

    /// <summary>Two Vector512 of floats.</summary>
    public static int NR => 32;

    /// <summary>An edge sliver of at most 4 columns (the last of n = 100) is packed (kc, 4), for <see cref="RunNarrow"/>.</summary>
    public static int NarrowNR => 4;

    /// <inheritdoc cref="IGemmMicroKernel.Run"/>
    /// <remarks>
    /// A sliver of B, (KC, 32) floats, is 64-96 KiB with this machine's KC (<see cref="GemmBlockSizes"/>): more than L1d, so
    /// it streams from L2 for every tile, with the sliver of A. Each step prefetches the two cache lines of B 8 steps
    /// ahead and the line of A 16 steps ahead, so that their misses overlap the multiply-adds. Speed against the kernel
    /// without them, alternated in one process (median of 15-21 pairs): one thread 2048³ +2 %, 1024³ +0-1 %, 512³ +2 %;
    /// two threads 2048³ +1 %. Other distances (4-32 steps) were within the noise of these.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool overwrite, float* rowBias, float* columnBias, bool relu)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;

        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Sse.Prefetch0(b + PrefetchB);
            Sse.Prefetch0(b + PrefetchB + 16);
            Sse.Prefetch0(a + PrefetchA);

            Vector512<float> ai = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(ai, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(ai, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(ai, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(ai, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(ai, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(ai, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(ai, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(ai, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);

            a += 8;
            b += 32;
        }

        if (!overwrite)
        {
            c00 += Vector512.Load(c); c01 += Vector512.Load(c + 16);
            c10 += Vector512.Load(c + ldc); c11 += Vector512.Load(c + ldc + 16);
            c20 += Vector512.Load(c + 2 * ldc); c21 += Vector512.Load(c + 2 * ldc + 16);
            c30 += Vector512.Load(c + 3 * ldc); c31 += Vector512.Load(c + 3 * ldc + 16);
            c40 += Vector512.Load(c + 4 * ldc); c41 += Vector512.Load(c + 4 * ldc + 16);
            c50 += Vector512.Load(c + 5 * ldc); c51 += Vector512.Load(c + 5 * ldc + 16);
            c60 += Vector512.Load(c + 6 * ldc); c61 += Vector512.Load(c + 6 * ldc + 16);
            c70 += Vector512.Load(c + 7 * ldc); c71 += Vector512.Load(c + 7 * ldc + 16);
        }
        if (rowBias != null || columnBias != null || relu)
        {
            Vector512<float> b0 = columnBias == null ? default : Vector512.Load(columnBias);
            Vector512<float> b1 = columnBias == null ? default : Vector512.Load(columnBias + 16);
            Vector512<float> r0 = RowBias(rowBias, 0);
            c00 = Epilogue(c00, b0 + r0, relu); c01 = Epilogue(c01, b1 + r0, relu);
            Vector512<float> r1 = RowBias(rowBias, 1);
            c10 = Epilogue(c10, b0 + r1, relu); c11 = Epilogue(c11, b1 + r1, relu);
            Vector512<float> r2 = RowBias(rowBias, 2);
            c20 = Epilogue(c20, b0 + r2, relu); c21 = Epilogue(c21, b1 + r2, relu);
            Vector512<float> r3 = RowBias(rowBias, 3);
            c30 = Epilogue(c30, b0 + r3, relu); c31 = Epilogue(c31, b1 + r3, relu);
            Vector512<float> r4 = RowBias(rowBias, 4);
            c40 = Epilogue(c40, b0 + r4, relu); c41 = Epilogue(c41, b1 + r4, relu);
            Vector512<float> r5 = RowBias(rowBias, 5);
            c50 = Epilogue(c50, b0 + r5, relu); c51 = Epilogue(c51, b1 + r5, relu);
            Vector512<float> r6 = RowBias(rowBias, 6);
            c60 = Epilogue(c60, b0 + r6, relu); c61 = Epilogue(c61, b1 + r6, relu);
            Vector512<float> r7 = RowBias(rowBias, 7);
            c70 = Epilogue(c70, b0 + r7, relu); c71 = Epilogue(c71, b1 + r7, relu);
        }
        c00.Store(c); c01.Store(c + 16);
        c10.Store(c + ldc); c11.Store(c + ldc + 16);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 16);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 16);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 16);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 16);
        c60.Store(c + 6 * ldc); c61.Store(c + 6 * ldc + 16);
        c70.Store(c + 7 * ldc); c71.Store(c + 7 * ldc + 16);
    }

    /// <inheritdoc cref="IGemmMicroKernel.RunPartial"/>
    /// <remarks>
    /// Stores with AVX-512 masks, straight into C. A tile of at most 16 columns (every sliver of a convolution with
    /// 16 filters) computes only its left half: 8 accumulators, half the multiply-adds; one of at most 4 rows (the last
    /// sliver of m = 100) only its top half. A tile of at most 4 columns (the last sliver of n = 100) goes to
    /// <see cref="RunNarrow"/>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunPartial(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr, bool overwrite, float* rowBias, float* columnBias, bool relu)
    {
        if (nr <= 4)
        {
            RunNarrow(kc, a, b, c, ldc, mr, nr, overwrite, rowBias, columnBias, relu);
            return;
        }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        if (mr <= 4 && nr > 16)
        {
            for (int p = 0; p < kc; p++, a += 8, b += 32)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> b1 = Vector512.Load(b + 16);
                Vector512<float> ai = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
                ai = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
                ai = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
                ai = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            }
        }
        else if (nr <= 16)
        {
            for (int p = 0; p < kc; p++, a += 8, b += 32)
            {
                Vector512<float> b0 = Vector512.Load(b);
                c00 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c00);
                c10 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c10);
                c20 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c20);
                c30 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c30);
                c40 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c40);
                c50 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c50);
                c60 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c60);
                c70 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c70);
            }
        }
        else
        {
            for (int p = 0; p < kc; p++, a += 8, b += 32)
            {
                Vector512<float> b0 = Vector512.Load(b);
                Vector512<float> b1 = Vector512.Load(b + 16);
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
            }
        }

        // Lanes j < nr of the two halves of a row: (all, nr - 16 first) or (nr first, none).
        Vector512<int> lane = Vector512<int>.Indices;
        Vector512<float> mask0 = Vector512.LessThan(lane, Vector512.Create(nr)).AsSingle();
        Vector512<float> mask1 = Vector512.LessThan(lane, Vector512.Create(nr - 16)).AsSingle();
        Vector512<float> b0Bias = columnBias == null ? default : Avx512F.MaskLoad(columnBias, mask0, default);
        Vector512<float> b1Bias = columnBias == null ? default : Avx512F.MaskLoad(columnBias + 16, mask1, default);
        bool epilogue = rowBias != null || columnBias != null || relu;
        StoreRow(c, c00, c01, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, RowBias(rowBias, 0), relu);
        if (mr > 1) StoreRow(c + ldc, c10, c11, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, RowBias(rowBias, 1), relu);
        if (mr > 2) StoreRow(c + 2 * ldc, c20, c21, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, RowBias(rowBias, 2), relu);
        if (mr > 3) StoreRow(c + 3 * ldc, c30, c31, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, RowBias(rowBias, 3), relu);
        if (mr > 4) StoreRow(c + 4 * ldc, c40, c41, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, RowBias(rowBias, 4), relu);
        if (mr > 5) StoreRow(c + 5 * ldc, c50, c51, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, RowBias(rowBias, 5), relu);
        if (mr > 6) StoreRow(c + 6 * ldc, c60, c61, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, RowBias(rowBias, 6), relu);
        if (mr > 7) StoreRow(c + 7 * ldc, c70, c71, mask0, mask1, overwrite, epilogue, b0Bias, b1Bias, RowBias(rowBias, 7), relu);
    }

    /// <summary>An edge tile of at most 4 columns: <see cref="RunPartial"/> with the tile's 8 rows as one Vector256 and a column of B broadcast.</summary>
    /// <remarks>
    /// Across columns (as <see cref="RunPartial"/>) such a tile costs 8 Vector512 multiply-adds per p for 4 useful
    /// lanes of 16; down its rows it costs 4 Vector256 ones. Even and odd p go to separate accumulators, so 8
    /// independent chains keep both FMA units busy, and are added at the end. (100, 784)·(784, 100), one thread, against
    /// OpenBLAS in the same runs: 134-136 µs (0.86-0.88×) with the across-columns edge, 123-131 µs (0.93-0.95×) with this one.
    /// Its sliver of B is packed (kc, 4) (<see cref="NarrowNR"/>): read from a (kc, 32) sliver, each p fetched a cache line
    /// for 16 useful bytes. A Vector512 form with no idle lane (4 rows × 4 columns per vector, B's values packed 4 times, 2
    /// multiply-adds per p in 8 chains) took 6.9 % of that product's samples against 8.2 % for this one, and its packing 0.5 %
    /// more: the edge is bound by streaming its sliver of A from L2 (12.5 KB per tile at kc = 392), not by its multiply-adds.
    /// </remarks>
    private static void RunNarrow(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr, bool overwrite, float* rowBias, float* columnBias, bool relu)
    {
        Vector256<float> e0 = default, e1 = default, e2 = default, e3 = default;   // column j, even p
        Vector256<float> o0 = default, o1 = default, o2 = default, o3 = default;   // column j, odd p
        int p = 0;
        for (; p + 1 < kc; p += 2, a += 16, b += 8)
        {
            Vector256<float> even = Vector256.Load(a), odd = Vector256.Load(a + 8);   // rows 0-7 at p and p + 1
            e0 = Vector256.FusedMultiplyAdd(even, Vector256.Create(b[0]), e0);
            e1 = Vector256.FusedMultiplyAdd(even, Vector256.Create(b[1]), e1);
            e2 = Vector256.FusedMultiplyAdd(even, Vector256.Create(b[2]), e2);
            e3 = Vector256.FusedMultiplyAdd(even, Vector256.Create(b[3]), e3);
            o0 = Vector256.FusedMultiplyAdd(odd, Vector256.Create(b[4]), o0);
            o1 = Vector256.FusedMultiplyAdd(odd, Vector256.Create(b[5]), o1);
            o2 = Vector256.FusedMultiplyAdd(odd, Vector256.Create(b[6]), o2);
            o3 = Vector256.FusedMultiplyAdd(odd, Vector256.Create(b[7]), o3);
        }
        if (p < kc)
        {
            Vector256<float> last = Vector256.Load(a);
            e0 = Vector256.FusedMultiplyAdd(last, Vector256.Create(b[0]), e0);
            e1 = Vector256.FusedMultiplyAdd(last, Vector256.Create(b[1]), e1);
            e2 = Vector256.FusedMultiplyAdd(last, Vector256.Create(b[2]), e2);
            e3 = Vector256.FusedMultiplyAdd(last, Vector256.Create(b[3]), e3);
        }
        // The product's columns, then each valid element stored with the same arithmetic as the vector epilogue.
        float* sums = stackalloc float[4 * 8];
        (e0 + o0).Store(sums);
        (e1 + o1).Store(sums + 8);
        (e2 + o2).Store(sums + 16);
        (e3 + o3).Store(sums + 24);
        bool epilogue = rowBias != null || columnBias != null || relu;
        for (int r = 0; r < mr; r++)
            for (int j = 0; j < nr; j++)
            {
                float x = overwrite ? sums[j * 8 + r] : sums[j * 8 + r] + c[r * ldc + j];
                if (epilogue)
                {
                    x += (columnBias == null ? 0f : columnBias[j]) + (rowBias == null ? 0f : rowBias[r]);
                    x = relu ? MathF.Max(x, 0f) : x;
                }
                c[r * ldc + j] = x;
            }
    }

    /// <summary>One row of an edge tile: the lanes of <paramref name="mask0"/> and <paramref name="mask1"/> (C[+] + epilogue), the others untouched.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreRow(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> mask0, Vector512<float> mask1,
        bool overwrite, bool epilogue, Vector512<float> b0, Vector512<float> b1, Vector512<float> rowBias, bool relu)
    {
        if (!overwrite)
        {
            x0 += Avx512F.MaskLoad(c, mask0, default);
            x1 += Avx512F.MaskLoad(c + 16, mask1, default);
        }
        if (epilogue)
        {
            x0 = Epilogue(x0, b0 + rowBias, relu);
            x1 = Epilogue(x1, b1 + rowBias, relu);
        }
        Avx512F.MaskStore(c, mask0, x0);
        Avx512F.MaskStore(c + 16, mask1, x1);
    }

    /// <summary><c>rowBias[r]</c> in every lane, or zeros without a row bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> RowBias(float* rowBias, int r) => rowBias == null ? default : Vector512.Create(rowBias[r]);

    /// <summary><c>relu?(x + bias)</c>; <c>Vector512.Max</c> keeps NaN, as <c>MathF.Max</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Epilogue(Vector512<float> x, Vector512<float> bias, bool relu)
    {
        x += bias;
        return relu ? Vector512.Max(x, Vector512<float>.Zero) : x;
    }
}
