using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// A convolution's weight gradient for a chunk of images, <c>dWᵀ (+)= cols·doutᵀ</c> (K, FN), on the register tile of
/// <see cref="GemmMicroKernel512"/> with neither operand packed: each tap's row of cols is read in place from the
/// zero-padded image (as <see cref="ConvolutionDirect"/> reads it), and dout is transposed once to (pixels, FN). AVX-512.
/// </summary>
/// <remarks>
/// The product's depth is the pixels. A tile is 8 taps × 32 filters (16 Vector512 sums); at each pixel it loads that
/// pixel's 32 values of dout (two vectors) and broadcasts the 8 taps' input values, which sit at fixed distances from each
/// other in the padded image: <c>padded[offsets[tap] + oy·Wp + ox]</c>. The pixels are walked row by row of the output, so
/// no position outside the map is visited, and with 32 filters each sum runs in one chain over the chunk's pixels in order,
/// image by image, before it is added to what dWT holds: the order in which <see cref="GemmBlocked"/> sums cols·doutᵀ when
/// the chunk's pixels fit one depth block.
/// <para>
/// What it saves: the GEMM path packs every float of cols (a transpose from the image, <see cref="ImplicitColumns.PackRows"/>)
/// to use it FN times; here only dout is transposed, once per chunk, and each of its floats serves K / 8 tiles. Measured on
/// the 2-core Intel Xeon (family 6, model 207), one thread, batch 100, dW and db alone, in-process A/B against the path
/// each layer took before: DeepConvNet's 16→16 at 28×28 (dot products on the grid) 0.67×, 16→32 at 14×14 0.59×, 32→32 at
/// 14×14 with pad 2 0.66×, 32→64 at 8×8 0.98× and 64→64 at 8×8 0.81× (the GEMM with cols packed from the image); its
/// whole training step took 0.76–0.85× the CPU time.
/// </para>
/// </remarks>
internal static unsafe class ConvolutionWeightGradientDirect
{
    private const int Taps = 8, Filters = 32;

    /// <summary>
    /// Whether this machine and geometry take this path: AVX-512F, stride 1, at least 64 taps (below, the dot products of
    /// <see cref="ConvolutionWeightGradient"/> do better) and a multiple of 16 filters (whole vectors of dout per pixel).
    /// </summary>
    public static bool Supports(ConvShape g, int fn) => Avx512F.IsSupported && g.Stride == 1 && g.K >= 64 && fn % 16 == 0 && fn > 0;

    /// <summary>
    /// <c>dWT[k, f] (+)= Σ_image Σ_(oy, ox) padded_image[offsets[k] + oy·Wp + ox]·doutByPixel[(image·P + oy·OW + ox)·FN + f]</c>
    /// for the images of <paramref name="g"/>: <paramref name="padded"/> holds each image padded by <see cref="ConvolutionDirect.Pad"/>,
    /// <paramref name="paddedStride"/> floats apart; <paramref name="doutByPixel"/> is each image's dout (FN, P) transposed to (P, FN); the
    /// sums are added to what <paramref name="dWT"/> (K, FN) holds when <paramref name="accumulate"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(ReadOnlySpan<float> padded, int paddedStride, ReadOnlySpan<int> offsets, ReadOnlySpan<float> doutByPixel,
        ConvShape g, int fn, Span<float> dWT, bool accumulate)
    {
        int k = g.K, hp = g.H + 2 * g.Pad, wp = g.W + 2 * g.Pad;
        if (!Avx512F.IsSupported || g.Stride != 1 || fn % 16 != 0 || paddedStride < g.C * hp * wp || padded.Length < (long)g.N * paddedStride || offsets.Length < k
            || doutByPixel.Length < (long)g.Columns * fn || dWT.Length < k * fn)
            throw new ArgumentException($"ConvolutionWeightGradientDirect.Multiply: {g} with {fn} filters needs AVX-512F, stride 1, FN a multiple of 16, " +
                $"{g.N} padded images {paddedStride} ≥ {g.C * hp * wp} floats apart, {k} offsets, {(long)g.Columns * fn} floats of dout and {k * fn} of dWT.", nameof(padded));
        int reach = (g.OH - 1) * wp + g.OW;                                      // floats a tap's pixels span from its offset
        for (int tap = 0; tap < k; tap++)
            if (offsets[tap] < 0 || offsets[tap] + reach > paddedStride)
                throw new ArgumentException($"ConvolutionWeightGradientDirect.Multiply: tap {tap}'s offset {offsets[tap]} reaches past a padded image of {paddedStride} floats.", nameof(offsets));
        var walk = new PixelWalk(g.N, paddedStride, g.OH, g.OW, wp);
        fixed (float* px = padded, pd = doutByPixel, pw = dWT)
        fixed (int* po = offsets)
        {
            for (int k0 = 0; k0 < k; k0 += Taps)
            {
                int mr = Math.Min(Taps, k - k0);
                // Past the last tap, a tile repeats it and does not store it.
                nint o1 = po[k0 + Math.Min(1, mr - 1)] - po[k0], o2 = po[k0 + Math.Min(2, mr - 1)] - po[k0], o3 = po[k0 + Math.Min(3, mr - 1)] - po[k0];
                nint o4 = po[k0 + Math.Min(4, mr - 1)] - po[k0], o5 = po[k0 + Math.Min(5, mr - 1)] - po[k0], o6 = po[k0 + Math.Min(6, mr - 1)] - po[k0];
                nint o7 = po[k0 + Math.Min(7, mr - 1)] - po[k0];
                for (int f0 = 0; f0 < fn; f0 += Filters)
                {
                    float* x = px + po[k0], dout = pd + f0, c = pw + (nint)k0 * fn + f0;
                    if (fn - f0 >= Filters)
                        Tile(walk, x, o1, o2, o3, o4, o5, o6, o7, dout, fn, c, mr, accumulate);
                    else
                        HalfTile(walk, x, o1, o2, o3, o4, o5, o6, o7, dout, fn, c, mr, accumulate);
                }
            }
        }
    }

    /// <summary>The chunk's pixels in order: image by image, output row by row; a row's pixels are consecutive in the padded image.</summary>
    private readonly record struct PixelWalk(int Images, nint PaddedStride, int OH, int OW, int Wp);

    /// <summary>Taps [k0, k0 + mr) × 32 filters: <c>c[r·ldc + j] (+)= Σ_pixels x[o_r + pixel's place]·dout[pixel·ldb + j]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(PixelWalk walk, float* x, nint o1, nint o2, nint o3, nint o4, nint o5, nint o6, nint o7,
        float* dout, nint ldb, float* c, int mr, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        float* b = dout;
        for (int image = 0; image < walk.Images; image++)
            for (int oy = 0; oy < walk.OH; oy++)
            {
                float* a = x + image * walk.PaddedStride + oy * walk.Wp;
                for (int ox = 0; ox < walk.OW; ox++, a++, b += ldb)
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
        nint ldc = ldb;
        StoreRow(c, c00, c01, accumulate);
        if (mr > 1) StoreRow(c + ldc, c10, c11, accumulate);
        if (mr > 2) StoreRow(c + 2 * ldc, c20, c21, accumulate);
        if (mr > 3) StoreRow(c + 3 * ldc, c30, c31, accumulate);
        if (mr > 4) StoreRow(c + 4 * ldc, c40, c41, accumulate);
        if (mr > 5) StoreRow(c + 5 * ldc, c50, c51, accumulate);
        if (mr > 6) StoreRow(c + 6 * ldc, c60, c61, accumulate);
        if (mr > 7) StoreRow(c + 7 * ldc, c70, c71, accumulate);
    }

    /// <summary>
    /// <see cref="Tile"/> for the last 16 filters: one vector of dout per pixel, 8 sums, each kept in two chains (even and
    /// odd pixels of a row) and added at the end. With one chain per sum, 8 multiply-adds per pixel waited on each other's
    /// latency: DeepConvNet's 16→16 dW (kernel alone, one thread, two builds alternated 8 times) took 2.8–4.4 ms with two
    /// against 3.3–5.0 with one, faster in 7 of the 8 pairs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HalfTile(PixelWalk walk, float* x, nint o1, nint o2, nint o3, nint o4, nint o5, nint o6, nint o7,
        float* dout, nint ldb, float* c, int mr, bool accumulate)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default, d4 = default, d5 = default, d6 = default, d7 = default;
        float* b = dout;
        for (int image = 0; image < walk.Images; image++)
            for (int oy = 0; oy < walk.OH; oy++)
            {
                float* a = x + image * walk.PaddedStride + oy * walk.Wp;
                int ox = 0;
                for (; ox + 1 < walk.OW; ox += 2, a += 2, b += 2 * ldb)
                {
                    Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + ldb);
                    c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
                    d0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b1, d0);
                    c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o1]), b0, c1);
                    d1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o1 + 1]), b1, d1);
                    c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o2]), b0, c2);
                    d2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o2 + 1]), b1, d2);
                    c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o3]), b0, c3);
                    d3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o3 + 1]), b1, d3);
                    c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o4]), b0, c4);
                    d4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o4 + 1]), b1, d4);
                    c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o5]), b0, c5);
                    d5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o5 + 1]), b1, d5);
                    c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o6]), b0, c6);
                    d6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o6 + 1]), b1, d6);
                    c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o7]), b0, c7);
                    d7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o7 + 1]), b1, d7);
                }
                for (; ox < walk.OW; ox++, a++, b += ldb)
                {
                    Vector512<float> b0 = Vector512.Load(b);
                    c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
                    c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o1]), b0, c1);
                    c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o2]), b0, c2);
                    c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o3]), b0, c3);
                    c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o4]), b0, c4);
                    c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o5]), b0, c5);
                    c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o6]), b0, c6);
                    c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[o7]), b0, c7);
                }
            }
        (c0, c1, c2, c3, c4, c5, c6, c7) = (c0 + d0, c1 + d1, c2 + d2, c3 + d3, c4 + d4, c5 + d5, c6 + d6, c7 + d7);
        nint ldc = ldb;
        StoreHalf(c, c0, accumulate);
        if (mr > 1) StoreHalf(c + ldc, c1, accumulate);
        if (mr > 2) StoreHalf(c + 2 * ldc, c2, accumulate);
        if (mr > 3) StoreHalf(c + 3 * ldc, c3, accumulate);
        if (mr > 4) StoreHalf(c + 4 * ldc, c4, accumulate);
        if (mr > 5) StoreHalf(c + 5 * ldc, c5, accumulate);
        if (mr > 6) StoreHalf(c + 6 * ldc, c6, accumulate);
        if (mr > 7) StoreHalf(c + 7 * ldc, c7, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector512<float> s0, Vector512<float> s1, bool accumulate)
    {
        if (accumulate)
        {
            s0 += Vector512.Load(c);
            s1 += Vector512.Load(c + 16);
        }
        s0.Store(c);
        s1.Store(c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreHalf(float* c, Vector512<float> s, bool accumulate)
    {
        if (accumulate)
            s += Vector512.Load(c);
        s.Store(c);
    }
}
