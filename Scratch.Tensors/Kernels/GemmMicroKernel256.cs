using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Scratch.Tensors.Kernels;

/// <summary>The Vector256 register tile of <see cref="GemmBlocked"/>: a (MR, NR) = (6, 16) block of C from packed slivers of A and B.</summary>
/// <remarks>
/// 6 rows × 2 vectors of 8 floats = 12 Vector256 accumulators, plus 2 for the row of B and 1 for the broadcast
/// of A: 15 of the 16 ymm registers of AVX2, and 12 independent FMA chains, enough to hide the FMA latency
/// (8 chains reach only ~88 % of peak on this machine). The tile for machines without AVX-512. The prefetches of
/// <see cref="GemmMicroKernel512.Run"/> did not carry over: on the AVX-512 machine running this tile, 1024³ lost 12 %
/// with them and 2048³ did not move.
/// </remarks>
internal readonly unsafe struct GemmMicroKernel256 : IGemmMicroKernel
{
    public static int MR => 6;

    /// <summary>Two Vector256 of floats.</summary>
    public static int NR => 16;

    /// <summary>No narrow edge kernel: every sliver of B is (kc, NR).</summary>
    public static int NarrowNR => 0;

    /// <inheritdoc cref="IGemmMicroKernel.Run"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool overwrite, float* rowBias, float* columnBias, bool relu)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;

        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);

            Vector256<float> ai = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(ai, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(ai, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(ai, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(ai, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(ai, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(ai, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(ai, b1, c51);

            a += 6;
            b += 16;
        }

        if (!overwrite)
        {
            c00 += Vector256.Load(c); c01 += Vector256.Load(c + 8);
            c10 += Vector256.Load(c + ldc); c11 += Vector256.Load(c + ldc + 8);
            c20 += Vector256.Load(c + 2 * ldc); c21 += Vector256.Load(c + 2 * ldc + 8);
            c30 += Vector256.Load(c + 3 * ldc); c31 += Vector256.Load(c + 3 * ldc + 8);
            c40 += Vector256.Load(c + 4 * ldc); c41 += Vector256.Load(c + 4 * ldc + 8);
            c50 += Vector256.Load(c + 5 * ldc); c51 += Vector256.Load(c + 5 * ldc + 8);
        }
        if (rowBias != null || columnBias != null || relu)
        {
            Vector256<float> b0 = columnBias == null ? default : Vector256.Load(columnBias);
            Vector256<float> b1 = columnBias == null ? default : Vector256.Load(columnBias + 8);
            Vector256<float> r0 = RowBias(rowBias, 0);
            c00 = Epilogue(c00, b0 + r0, relu); c01 = Epilogue(c01, b1 + r0, relu);
            Vector256<float> r1 = RowBias(rowBias, 1);
            c10 = Epilogue(c10, b0 + r1, relu); c11 = Epilogue(c11, b1 + r1, relu);
            Vector256<float> r2 = RowBias(rowBias, 2);
            c20 = Epilogue(c20, b0 + r2, relu); c21 = Epilogue(c21, b1 + r2, relu);
            Vector256<float> r3 = RowBias(rowBias, 3);
            c30 = Epilogue(c30, b0 + r3, relu); c31 = Epilogue(c31, b1 + r3, relu);
            Vector256<float> r4 = RowBias(rowBias, 4);
            c40 = Epilogue(c40, b0 + r4, relu); c41 = Epilogue(c41, b1 + r4, relu);
            Vector256<float> r5 = RowBias(rowBias, 5);
            c50 = Epilogue(c50, b0 + r5, relu); c51 = Epilogue(c51, b1 + r5, relu);
        }
        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + ldc); c11.Store(c + ldc + 8);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 8);
    }

    /// <inheritdoc cref="IGemmMicroKernel.RunPartial"/>
    public static void RunPartial(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr, bool overwrite, float* rowBias, float* columnBias, bool relu)
        => GemmEdgeTile.ViaBuffer<GemmMicroKernel256>(kc, a, b, c, ldc, mr, nr, overwrite, rowBias, columnBias, relu);

    /// <summary><c>rowBias[r]</c> in every lane, or zeros without a row bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> RowBias(float* rowBias, int r) => rowBias == null ? default : Vector256.Create(rowBias[r]);

    /// <summary><c>relu?(x + bias)</c>; <c>Vector256.Max</c> keeps NaN, as <c>MathF.Max</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Epilogue(Vector256<float> x, Vector256<float> bias, bool relu)
    {
        x += bias;
        return relu ? Vector256.Max(x, Vector256<float>.Zero) : x;
    }
}
