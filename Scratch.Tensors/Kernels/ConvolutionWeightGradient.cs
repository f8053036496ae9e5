using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// A convolution's weight gradient for a chunk of images, <c>dWᵀ (+)= cols·doutᵀ</c> (K, FN), as dot products over pixels
/// that read both operands where they lie: the column matrix cols (K, n·P) and dout in the layer's (n, FN, P) order. AVX-512.
/// </summary>
/// <remarks>
/// The product is (K, n·P)·(n·P, FN): its depth, the pixels, is the long side and runs along the rows of both operands.
/// A GEMM's register tile needs one of them transposed, so <see cref="GemmBlocked"/> packs both (8×8 transposes for each)
/// after dout has been gathered into (FN, n·P); for SimpleConvNet's 25 × 30 gradient that moved more data than the
/// multiply-adds took time. Here each register tile is 5 rows of cols × 4 maps of dout, 20 Vector512 sums of 16 pixels'
/// products, fed by 9 loads per 20 multiply-adds; each sum is added across its lanes at the end. The order of the sums
/// depends only on the shapes.
/// </remarks>
internal static unsafe class ConvolutionWeightGradient
{
    /// <summary>
    /// Whether this machine runs it and the geometry gains: filters of fewer than 64 taps (K = C·FH·FW), where packing
    /// slivers of 8 rows of cols costs the GEMM most and a chunk holds several images. One core, batch 100, against the
    /// GEMM in the same run: SimpleConvNet's 5×5 (K = 25, FN = 30) 2.3 → 1.8 ms, DeepConvNet's first 3×3 (K = 9,
    /// FN = 16) 2.2 → 0.5 ms. Its deeper layers take a chunk per image: K = 144 on 28×28 broke even, K = 288 on 16×16
    /// went 7 → 14 ms, as each tile's set-up and final sums come every 16 steps.
    /// </summary>
    public static bool Supports(ConvShape g) => Avx512F.IsSupported && g.K < MaxTaps;

    private const int MaxTaps = 64;

    /// <summary>
    /// <c>dWT[k, f] (+)= Σ_image Σ_q cols[k, image·P + q]·dout[image, f, q]</c> for cols (K, images·P) and dout (images, FN, P),
    /// added to what <paramref name="dWT"/> (K, FN) holds when <paramref name="accumulate"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<float> cols, ReadOnlySpan<float> dout, int k, int fn, int images, int p, Span<float> dWT, bool accumulate)
    {
        long columns = (long)images * p;
        if (!Avx512F.IsSupported || cols.Length < k * columns || dout.Length < images * fn * (long)p || dWT.Length < k * fn)
            throw new ArgumentException($"ConvolutionWeightGradient.Multiply: ({k}, {images}·{p}) columns and ({images}, {fn}, {p}) dout need AVX-512 and " +
                $"spans of at least {k * columns}, {images * fn * (long)p} and {k * fn} floats.", nameof(cols));
        Vector512<float> tail = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(p % 16)).AsSingle();
        int whole = p - p % 16;
        fixed (float* pc = cols, pd = dout)
        {
            for (int f0 = 0; f0 < fn; f0 += 4)
                for (int k0 = 0; k0 < k; k0 += 5)
                {
                    // Past the last map or row, the tile repeats the last one and drops it at the end.
                    long a1 = (Math.Min(f0 + 1, fn - 1) - f0) * (long)p, a2 = (Math.Min(f0 + 2, fn - 1) - f0) * (long)p, a3 = (Math.Min(f0 + 3, fn - 1) - f0) * (long)p;
                    long b1 = (Math.Min(k0 + 1, k - 1) - k0) * columns, b2 = (Math.Min(k0 + 2, k - 1) - k0) * columns;
                    long b3 = (Math.Min(k0 + 3, k - 1) - k0) * columns, b4 = (Math.Min(k0 + 4, k - 1) - k0) * columns;
                    Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s04 = default;
                    Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default, s14 = default;
                    Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default, s24 = default;
                    Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default, s34 = default;
                    for (int image = 0; image < images; image++)
                    {
                        float* a = pd + ((long)image * fn + f0) * p, b = pc + k0 * columns + (long)image * p;
                        for (int q = 0; q <= p - 16; q += 16)
                            Step(a + q, b + q, a1, a2, a3, b1, b2, b3, b4, masked: false, default,
                                ref s00, ref s01, ref s02, ref s03, ref s04, ref s10, ref s11, ref s12, ref s13, ref s14,
                                ref s20, ref s21, ref s22, ref s23, ref s24, ref s30, ref s31, ref s32, ref s33, ref s34);
                        if (whole < p)
                            Step(a + whole, b + whole, a1, a2, a3, b1, b2, b3, b4, masked: true, tail,
                                ref s00, ref s01, ref s02, ref s03, ref s04, ref s10, ref s11, ref s12, ref s13, ref s14,
                                ref s20, ref s21, ref s22, ref s23, ref s24, ref s30, ref s31, ref s32, ref s33, ref s34);
                    }
                    Store(dWT, k, fn, k0, f0, accumulate, s00, s01, s02, s03, s04, s10, s11, s12, s13, s14,
                        s20, s21, s22, s23, s24, s30, s31, s32, s33, s34);
                }
        }
    }

    /// <summary>
    /// One image's <c>dWT[k, f] (+)= Σ_q padded[offsets[k] + q]·grid[f·q + q]</c> over the <paramref name="positions"/> of a
    /// <see cref="ConvolutionDirect"/> grid: each tap's row of cols read in place from the zero-padded image, dout laid out on
    /// the grid (FN, positions) with zeros where the grid has no pixel. <paramref name="positions"/> is a multiple of 16.
    /// </summary>
    /// <remarks>
    /// The same 5 taps × 4 maps tile as <see cref="Multiply"/>, whose sums are added across lanes once per image, so it needs
    /// long maps (<see cref="ConvolutionDirect.SupportsWeightGradient"/>); it saves unfolding cols.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyGrid(ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets, ReadOnlySpan<float> grid, int k, int fn, int positions,
        Span<float> dWT, bool accumulate)
    {
        if (!Avx512F.IsSupported || positions % 16 != 0 || grid.Length < fn * positions || offsets.Length < k || dWT.Length < k * fn)
            throw new ArgumentException($"ConvolutionWeightGradient.MultiplyGrid: {k} taps and ({fn}, {positions}) dout need AVX-512, positions a multiple of 16 " +
                $"and spans of at least {fn * positions} floats of grid, {k} offsets and {k * fn} floats of dWT.", nameof(grid));
        fixed (float* px = padded, pd = grid)
        {
            for (int f0 = 0; f0 < fn; f0 += 4)
                for (int k0 = 0; k0 < k; k0 += 5)
                {
                    long a1 = (Math.Min(f0 + 1, fn - 1) - f0) * (long)positions, a2 = (Math.Min(f0 + 2, fn - 1) - f0) * (long)positions;
                    long a3 = (Math.Min(f0 + 3, fn - 1) - f0) * (long)positions;
                    int o0 = offsets[k0];
                    long b1 = offsets[Math.Min(k0 + 1, k - 1)] - o0, b2 = offsets[Math.Min(k0 + 2, k - 1)] - o0;
                    long b3 = offsets[Math.Min(k0 + 3, k - 1)] - o0, b4 = offsets[Math.Min(k0 + 4, k - 1)] - o0;
                    if (o0 + Math.Max(Math.Max(b1, b2), Math.Max(b3, b4)) + positions > padded.Length)
                        throw new ArgumentException($"ConvolutionWeightGradient.MultiplyGrid: tap {k0}'s row runs past the padded image ({padded.Length} floats).", nameof(padded));
                    Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s04 = default;
                    Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default, s14 = default;
                    Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default, s24 = default;
                    Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default, s34 = default;
                    float* a = pd + (long)f0 * positions, b = px + o0;
                    for (int q = 0; q < positions; q += 16)
                        Step(a + q, b + q, a1, a2, a3, b1, b2, b3, b4, masked: false, default,
                            ref s00, ref s01, ref s02, ref s03, ref s04, ref s10, ref s11, ref s12, ref s13, ref s14,
                            ref s20, ref s21, ref s22, ref s23, ref s24, ref s30, ref s31, ref s32, ref s33, ref s34);
                    Store(dWT, k, fn, k0, f0, accumulate, s00, s01, s02, s03, s04, s10, s11, s12, s13, s14,
                        s20, s21, s22, s23, s24, s30, s31, s32, s33, s34);
                }
        }
    }

    /// <summary>A tile's 20 sums, each added across its lanes, into (or onto) dWT[k0 + j, f0 + i] for the taps and maps that exist.</summary>
    private static void Store(Span<float> dWT, int k, int fn, int k0, int f0, bool accumulate,
        Vector512<float> s00, Vector512<float> s01, Vector512<float> s02, Vector512<float> s03, Vector512<float> s04,
        Vector512<float> s10, Vector512<float> s11, Vector512<float> s12, Vector512<float> s13, Vector512<float> s14,
        Vector512<float> s20, Vector512<float> s21, Vector512<float> s22, Vector512<float> s23, Vector512<float> s24,
        Vector512<float> s30, Vector512<float> s31, Vector512<float> s32, Vector512<float> s33, Vector512<float> s34)
    {
        Span<float> sums = [
            Vector512.Sum(s00), Vector512.Sum(s01), Vector512.Sum(s02), Vector512.Sum(s03), Vector512.Sum(s04),
            Vector512.Sum(s10), Vector512.Sum(s11), Vector512.Sum(s12), Vector512.Sum(s13), Vector512.Sum(s14),
            Vector512.Sum(s20), Vector512.Sum(s21), Vector512.Sum(s22), Vector512.Sum(s23), Vector512.Sum(s24),
            Vector512.Sum(s30), Vector512.Sum(s31), Vector512.Sum(s32), Vector512.Sum(s33), Vector512.Sum(s34)];
        for (int i = 0; i < Math.Min(4, fn - f0); i++)
            for (int j = 0; j < Math.Min(5, k - k0); j++)
            {
                ref float target = ref dWT[(k0 + j) * fn + f0 + i];
                target = accumulate ? target + sums[i * 5 + j] : sums[i * 5 + j];
            }
    }

    /// <summary>16 pixels (those of <paramref name="lanes"/> when <paramref name="masked"/>) of 4 maps of dout and 5 rows of cols into the 20 sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(float* a, float* b, long a1, long a2, long a3, long b1, long b2, long b3, long b4, bool masked, Vector512<float> lanes,
        ref Vector512<float> s00, ref Vector512<float> s01, ref Vector512<float> s02, ref Vector512<float> s03, ref Vector512<float> s04,
        ref Vector512<float> s10, ref Vector512<float> s11, ref Vector512<float> s12, ref Vector512<float> s13, ref Vector512<float> s14,
        ref Vector512<float> s20, ref Vector512<float> s21, ref Vector512<float> s22, ref Vector512<float> s23, ref Vector512<float> s24,
        ref Vector512<float> s30, ref Vector512<float> s31, ref Vector512<float> s32, ref Vector512<float> s33, ref Vector512<float> s34)
    {
        Vector512<float> d0 = Load(a, masked, lanes), d1 = Load(a + a1, masked, lanes), d2 = Load(a + a2, masked, lanes), d3 = Load(a + a3, masked, lanes);
        Vector512<float> x = Load(b, masked, lanes);
        s00 = Vector512.FusedMultiplyAdd(x, d0, s00); s10 = Vector512.FusedMultiplyAdd(x, d1, s10);
        s20 = Vector512.FusedMultiplyAdd(x, d2, s20); s30 = Vector512.FusedMultiplyAdd(x, d3, s30);
        x = Load(b + b1, masked, lanes);
        s01 = Vector512.FusedMultiplyAdd(x, d0, s01); s11 = Vector512.FusedMultiplyAdd(x, d1, s11);
        s21 = Vector512.FusedMultiplyAdd(x, d2, s21); s31 = Vector512.FusedMultiplyAdd(x, d3, s31);
        x = Load(b + b2, masked, lanes);
        s02 = Vector512.FusedMultiplyAdd(x, d0, s02); s12 = Vector512.FusedMultiplyAdd(x, d1, s12);
        s22 = Vector512.FusedMultiplyAdd(x, d2, s22); s32 = Vector512.FusedMultiplyAdd(x, d3, s32);
        x = Load(b + b3, masked, lanes);
        s03 = Vector512.FusedMultiplyAdd(x, d0, s03); s13 = Vector512.FusedMultiplyAdd(x, d1, s13);
        s23 = Vector512.FusedMultiplyAdd(x, d2, s23); s33 = Vector512.FusedMultiplyAdd(x, d3, s33);
        x = Load(b + b4, masked, lanes);
        s04 = Vector512.FusedMultiplyAdd(x, d0, s04); s14 = Vector512.FusedMultiplyAdd(x, d1, s14);
        s24 = Vector512.FusedMultiplyAdd(x, d2, s24); s34 = Vector512.FusedMultiplyAdd(x, d3, s34);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(float* source, bool masked, Vector512<float> lanes) =>
        masked ? Avx512F.MaskLoad(source, lanes, default) : Vector512.Load(source);
}
