using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// A stride-1 convolution of one zero-padded image into a pixel-major output, <c>out (P, M) = cols(x)ᵀ·filters</c>, on the
/// register tile of <see cref="GemmMicroKernel512"/> with neither operand packed: 8 neighbouring pixels of an output row
/// × 32 output channels. AVX-512. The forward pass uses it for layers of 32 or more filters that <see cref="ConvolutionDirect"/>
/// does not take, and the backward pass for dx, as dout convolved with the rotated filters.
/// </summary>
/// <remarks>
/// For each tap (c, fy, fx) the tile broadcasts its 8 pixels' inputs, which are 8 consecutive floats of the padded image at
/// <c>offsets[tap] + oy·Wp + ox</c>, and loads the tap's 32 filter values (a row of the filters laid out by tap). Unlike
/// <see cref="ConvolutionDirect"/>, whose vectors run along the positions of a grid Wp wide, no position outside the map is
/// computed: a row's last tile may hold fewer than 8 pixels (it still reads 8 floats, within the padded image's slack)
/// and stores only those. Each output is one chain of multiply-adds over the taps in order. The caller transposes the
/// pixel-major output back to maps (<see cref="MatrixTranspose"/>).
/// </remarks>
internal static unsafe class ConvolutionByPixel
{
    private const int Pixels = 8, Channels = 32;

    /// <summary>
    /// Whether a forward pass is done here: AVX-512F, stride 1, a multiple of 32 filters (whole tiles) and at least 64 taps.
    /// </summary>
    /// <remarks>
    /// Measured on the 2-core Intel Xeon (family 6, model 207), one thread, batch 100, in-process against the product with
    /// cols packed from the image (<see cref="ImplicitColumns"/>), bit-identical: DeepConvNet's 32→64 at 8×8 0.97×, 64→64
    /// 0.87×; its training step 0.89–0.95× in three runs of four (1.03× in the other).
    /// </remarks>
    public static bool Supports(ConvShape g, int fn) => Avx512F.IsSupported && g.Stride == 1 && fn % Channels == 0 && fn > 0 && g.K >= 64;

    /// <summary>
    /// Whether dx of a layer is formed here, as <see cref="ConvolutionDirect.GradientShape"/>'s convolution of dout:
    /// AVX-512F, stride 1, square filters, padding at most FH − 1, a multiple of 32 input channels (whole tiles) and at
    /// least 64 taps (FN·FH·FW) per output.
    /// </summary>
    /// <remarks>
    /// Measured on the 2-core Intel Xeon (family 6, model 207), one thread, batch 100, the whole backward pass in-process
    /// against the path before: DeepConvNet's 32→64 at 8×8 0.91× and 64→64 at 8×8 0.77× (dx by GEMM and fold, as the
    /// grid of <see cref="ConvolutionDirect"/> would be 10 wide for 8 pixels), 32→32 at 14×14 1.01× (the grid). With 16
    /// channels a tile of 8 pixels × 16 has 9 loads per 8 multiply-adds: 16→16 and 16→32 took 1.10× the grid's time.
    /// </remarks>
    public static bool SupportsGradient(ConvShape g, int fn) =>
        Avx512F.IsSupported && g.Stride == 1 && g.FH == g.FW && g.Pad <= g.FH - 1 && g.C % Channels == 0 && g.C > 0 && fn * g.FH * g.FW >= 64;

    /// <summary>
    /// The filters of dx as a convolution, by tap: <c>byTap[(f·FH + fy)·FW + fx, c] = W[f, c, FH − 1 − fy, FW − 1 − fx]</c>,
    /// (FN·FH·FW, C) row-major, from W (FN, C, FH, FW).
    /// </summary>
    public static void RotatedFiltersByTap(ReadOnlySpan<float> w, Span<float> byTap, ConvShape g, int fn)
    {
        int taps = g.FH * g.FW;
        if (w.Length < fn * g.C * taps || byTap.Length < fn * g.C * taps)
            throw new ArgumentException($"ConvolutionByPixel.RotatedFiltersByTap: {fn} filters of {g} need spans of {fn * g.C * taps} floats.", nameof(byTap));
        for (int f = 0; f < fn; f++)
            for (int c = 0; c < g.C; c++)
                for (int t = 0; t < taps; t++)
                    byTap[(f * taps + taps - 1 - t) * g.C + c] = w[(f * g.C + c) * taps + t];
    }

    /// <summary>
    /// One image: <c>out[(oy·OW + ox)·M + j] = Σ_tap padded[offsets[tap] + oy·Wp + ox]·filters[tap·M + j]</c> for the
    /// geometry <paramref name="g"/> (its K taps, padded by <see cref="ConvolutionDirect.Pad"/>, offsets from
    /// <see cref="ConvolutionDirect.Offsets"/>) and M = <paramref name="m"/> output channels, a multiple of 32; then
    /// <c>relu?(out + bias[j])</c> where a bias (M values) is given, as <see cref="GemmBlocked"/>'s epilogue does it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Convolve(ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets, ReadOnlySpan<float> filters, int m, ConvShape g, Span<float> outByPixel,
        ReadOnlySpan<float> bias = default, bool relu = false)
    {
        int k = g.K, wp = g.W + 2 * g.Pad, oh = g.OH, ow = g.OW;
        if (!Avx512F.IsSupported || g.Stride != 1 || m % Channels != 0 || padded.Length < ConvolutionDirect.PaddedLength(g) || offsets.Length < k
            || filters.Length < k * m || outByPixel.Length < g.P * m || (!bias.IsEmpty && bias.Length < m))
            throw new ArgumentException($"ConvolutionByPixel.Convolve: {g} into {m} channels needs AVX-512F, stride 1, M a multiple of 32, {ConvolutionDirect.PaddedLength(g)} " +
                $"floats of padded image, {k} offsets, {k * m} floats of filters, {g.P * m} of output and {m} of bias if any.", nameof(padded));
        int reach = g.C * (g.H + 2 * g.Pad) * wp - (oh - 1) * wp - (ow - 1);    // a tap's offset must stay below this
        for (int tap = 0; tap < k; tap++)
            if (offsets[tap] < 0 || offsets[tap] >= reach)
                throw new ArgumentException($"ConvolutionByPixel.Convolve: tap {tap}'s offset {offsets[tap]} reaches past the padded image of {g}.", nameof(offsets));
        fixed (float* px = padded, pf = filters, po = outByPixel, pBias = bias)
        fixed (int* pOffsets = offsets)
        {
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox += Pixels)
                {
                    int mr = Math.Min(Pixels, ow - ox);
                    float* a = px + oy * wp + ox, c = po + ((nint)oy * ow + ox) * m;
                    for (int j = 0; j < m; j += Channels)
                        Tile(k, a, pOffsets, pf + j, m, c + j, mr, pBias == null ? null : pBias + j, relu);
                }
        }
    }

    /// <summary><paramref name="mr"/> pixels × 32 channels: <c>c[i·ldb + j] = relu?(Σ_tap a[offsets[tap] + i]·b[tap·ldb + j] + bias[j])</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(int k, float* a, int* offsets, float* b, nint ldb, float* c, int mr, float* bias, bool relu)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int tap = 0; tap < k; tap++, b += ldb)
        {
            float* x = a + offsets[tap];
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> xi = Vector512.Create(x[0]);
            c00 = Vector512.FusedMultiplyAdd(xi, b0, c00); c01 = Vector512.FusedMultiplyAdd(xi, b1, c01);
            xi = Vector512.Create(x[1]);
            c10 = Vector512.FusedMultiplyAdd(xi, b0, c10); c11 = Vector512.FusedMultiplyAdd(xi, b1, c11);
            xi = Vector512.Create(x[2]);
            c20 = Vector512.FusedMultiplyAdd(xi, b0, c20); c21 = Vector512.FusedMultiplyAdd(xi, b1, c21);
            xi = Vector512.Create(x[3]);
            c30 = Vector512.FusedMultiplyAdd(xi, b0, c30); c31 = Vector512.FusedMultiplyAdd(xi, b1, c31);
            xi = Vector512.Create(x[4]);
            c40 = Vector512.FusedMultiplyAdd(xi, b0, c40); c41 = Vector512.FusedMultiplyAdd(xi, b1, c41);
            xi = Vector512.Create(x[5]);
            c50 = Vector512.FusedMultiplyAdd(xi, b0, c50); c51 = Vector512.FusedMultiplyAdd(xi, b1, c51);
            xi = Vector512.Create(x[6]);
            c60 = Vector512.FusedMultiplyAdd(xi, b0, c60); c61 = Vector512.FusedMultiplyAdd(xi, b1, c61);
            xi = Vector512.Create(x[7]);
            c70 = Vector512.FusedMultiplyAdd(xi, b0, c70); c71 = Vector512.FusedMultiplyAdd(xi, b1, c71);
        }
        if (bias != null || relu)
        {
            // 0 + bias: the GEMM's epilogue adds a column bias (none) to the row bias, so −0 becomes +0 there too.
            Vector512<float> b0 = bias == null ? default : default(Vector512<float>) + Vector512.Load(bias);
            Vector512<float> b1 = bias == null ? default : default(Vector512<float>) + Vector512.Load(bias + 16);
            c00 = GemmMicroKernel512.Epilogue(c00, b0, relu); c01 = GemmMicroKernel512.Epilogue(c01, b1, relu);
            c10 = GemmMicroKernel512.Epilogue(c10, b0, relu); c11 = GemmMicroKernel512.Epilogue(c11, b1, relu);
            c20 = GemmMicroKernel512.Epilogue(c20, b0, relu); c21 = GemmMicroKernel512.Epilogue(c21, b1, relu);
            c30 = GemmMicroKernel512.Epilogue(c30, b0, relu); c31 = GemmMicroKernel512.Epilogue(c31, b1, relu);
            c40 = GemmMicroKernel512.Epilogue(c40, b0, relu); c41 = GemmMicroKernel512.Epilogue(c41, b1, relu);
            c50 = GemmMicroKernel512.Epilogue(c50, b0, relu); c51 = GemmMicroKernel512.Epilogue(c51, b1, relu);
            c60 = GemmMicroKernel512.Epilogue(c60, b0, relu); c61 = GemmMicroKernel512.Epilogue(c61, b1, relu);
            c70 = GemmMicroKernel512.Epilogue(c70, b0, relu); c71 = GemmMicroKernel512.Epilogue(c71, b1, relu);
        }
        nint ldc = ldb;
        c00.Store(c); c01.Store(c + 16);
        if (mr > 1) { c10.Store(c + ldc); c11.Store(c + ldc + 16); }
        if (mr > 2) { c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 16); }
        if (mr > 3) { c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 16); }
        if (mr > 4) { c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 16); }
        if (mr > 5) { c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 16); }
        if (mr > 6) { c60.Store(c + 6 * ldc); c61.Store(c + 6 * ldc + 16); }
        if (mr > 7) { c70.Store(c + 7 * ldc); c71.Store(c + 7 * ldc + 16); }
    }
}
