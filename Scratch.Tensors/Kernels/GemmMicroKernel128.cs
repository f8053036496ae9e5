using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Scratch.Tensors.Kernels;

/// <summary>The Vector128 register tile of <see cref="GemmBlocked"/>: a (MR, NR) = (4, 8) block of C from packed slivers of A and B.</summary>
/// <remarks>
/// The tile for x86 machines without AVX2 + FMA (SSE only) and for Arm (AdvSimd). 4 rows × 2 vectors of 4 floats
/// = 8 Vector128 accumulators, plus 2 for the row of B, 1 for the broadcast of A and 1 for a product: 12 of the
/// 16 xmm registers of SSE, so nothing spills. <c>MultiplyAddEstimate</c> is one fused instruction where the
/// hardware has one and a multiply then an add where it has not.
/// </remarks>
internal readonly unsafe struct GemmMicroKernel128 : IGemmMicroKernel
{
    public static int MR => 4;

    /// <summary>Two Vector128 of floats.</summary>
    public static int NR => 8;

    /// <summary>No narrow edge kernel: every sliver of B is (kc, NR).</summary>
    public static int NarrowNR => 0;

    /// <inheritdoc cref="IGemmMicroKernel.Run"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, bool overwrite, float* rowBias, float* columnBias, bool relu)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default, c30 = default, c31 = default;

        for (int p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b);
            Vector128<float> b1 = Vector128.Load(b + 4);

            Vector128<float> ai = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(ai, b0, c00);
            c01 = Vector128.MultiplyAddEstimate(ai, b1, c01);
            ai = Vector128.Create(a[1]);
            c10 = Vector128.MultiplyAddEstimate(ai, b0, c10);
            c11 = Vector128.MultiplyAddEstimate(ai, b1, c11);
            ai = Vector128.Create(a[2]);
            c20 = Vector128.MultiplyAddEstimate(ai, b0, c20);
            c21 = Vector128.MultiplyAddEstimate(ai, b1, c21);
            ai = Vector128.Create(a[3]);
            c30 = Vector128.MultiplyAddEstimate(ai, b0, c30);
            c31 = Vector128.MultiplyAddEstimate(ai, b1, c31);

            a += 4;
            b += 8;
        }

        if (!overwrite)
        {
            c00 += Vector128.Load(c); c01 += Vector128.Load(c + 4);
            c10 += Vector128.Load(c + ldc); c11 += Vector128.Load(c + ldc + 4);
            c20 += Vector128.Load(c + 2 * ldc); c21 += Vector128.Load(c + 2 * ldc + 4);
            c30 += Vector128.Load(c + 3 * ldc); c31 += Vector128.Load(c + 3 * ldc + 4);
        }
        if (rowBias != null || columnBias != null || relu)
        {
            Vector128<float> b0 = columnBias == null ? default : Vector128.Load(columnBias);
            Vector128<float> b1 = columnBias == null ? default : Vector128.Load(columnBias + 4);
            Vector128<float> r0 = RowBias(rowBias, 0);
            c00 = Epilogue(c00, b0 + r0, relu); c01 = Epilogue(c01, b1 + r0, relu);
            Vector128<float> r1 = RowBias(rowBias, 1);
            c10 = Epilogue(c10, b0 + r1, relu); c11 = Epilogue(c11, b1 + r1, relu);
            Vector128<float> r2 = RowBias(rowBias, 2);
            c20 = Epilogue(c20, b0 + r2, relu); c21 = Epilogue(c21, b1 + r2, relu);
            Vector128<float> r3 = RowBias(rowBias, 3);
            c30 = Epilogue(c30, b0 + r3, relu); c31 = Epilogue(c31, b1 + r3, relu);
        }
        c00.Store(c); c01.Store(c + 4);
        c10.Store(c + ldc); c11.Store(c + ldc + 4);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 4);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 4);
    }

    /// <inheritdoc cref="IGemmMicroKernel.RunPartial"/>
    public static void RunPartial(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr, bool overwrite, float* rowBias, float* columnBias, bool relu)
        => GemmEdgeTile.ViaBuffer<GemmMicroKernel128>(kc, a, b, c, ldc, mr, nr, overwrite, rowBias, columnBias, relu);

    /// <summary><c>rowBias[r]</c> in every lane, or zeros without a row bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> RowBias(float* rowBias, int r) => rowBias == null ? default : Vector128.Create(rowBias[r]);

    /// <summary><c>relu?(x + bias)</c>; <c>Vector128.Max</c> keeps NaN, as <c>MathF.Max</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Epilogue(Vector128<float> x, Vector128<float> bias, bool relu)
    {
        x += bias;
        return relu ? Vector128.Max(x, Vector128<float>.Zero) : x;
    }
}
