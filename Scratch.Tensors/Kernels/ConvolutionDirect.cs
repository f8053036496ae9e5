using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// A stride-1 convolution of one image read straight from the zero-padded image: <c>y = relu?(W_col·cols + b)</c> with the
/// row of cols for tap (c, fy, fx) read in place as the padded image shifted by <c>c·Hp·Wp + fy·Wp + fx</c>. AVX-512.
/// </summary>
/// <remarks>
/// In the padded image (C, Hp, Wp), Hp = H + 2·pad and Wp = W + 2·pad, the output pixel (oy, ox) at position
/// q = oy·Wp + ox of a "grid" Wp wide sees tap (c, fy, fx) at <c>padded[c·Hp·Wp + fy·Wp + fx + q]</c>: for consecutive q,
/// consecutive floats. So the column matrix need not be built or packed. The (8 filters, 32 positions) register tile
/// of <see cref="GemmMicroKernel512"/> loads two vectors of each tap's shifted row and broadcasts the 8 filters' weights;
/// the grid's last FW − 1 positions of each row are not pixels (they wrap into the next row) and are dropped as the tile
/// is stored. Each output is summed over the taps in order by one chain of multiply-adds and then gets the
/// bias and ReLU as the GEMM's epilogue does: bit for bit the arithmetic of an image's product through <see cref="ImplicitColumns"/>
/// where that product also sums in one chain (its edge of at most 4 pixels sums even and odd taps apart, and K above
/// 768 in depth blocks). What it saves is the packing: a packed sliver of cols serves only FN / 8 tiles (2 for 16 filters).
/// <para>
/// The backward pass uses the same layout twice (<see cref="ConvolutionGemm"/>): dx as dout convolved with the rotated
/// filters (<see cref="SupportsGradient"/>), and dW as dot products of the padded image's shifted rows with dout laid out
/// on the grid (<see cref="SupportsWeightGradient"/>), neither unfolding cols. The grid's extra positions are zeros in dout
/// but read real pixels of x: an infinite input there gives a NaN weight gradient where unfolding would give an infinite
/// one (both non-finite, so a training run stops either way).
/// </para>
/// </remarks>
internal static unsafe class ConvolutionDirect
{
    private const int MR = 8, Positions = 32;

    /// <summary>
    /// Whether this machine and geometry take the direct path: AVX-512F, stride 1, at least 64 taps, at most 32 filters,
    /// and a grid of which at most an eighth is not pixels (Wp ≥ 8·(FW − 1)).
    /// </summary>
    /// <remarks>
    /// With few filters a packed sliver of cols serves few tiles (2 for 16 filters), so packing weighs most; with few taps
    /// a tile's set-up and stores weigh more than the packing saved; on narrow maps the grid's extra columns cost more than
    /// packing. Measured on the 2-core Intel Xeon (family 6, model 207), one thread, a batch of 100, in-process A/B against
    /// the packed product, forward: DeepConvNet's 16→16 at 28×28 0.68–0.75×, 16→32 at 14×14 0.82–0.86×, 32→32 at 14×14
    /// with pad 2 0.84–0.86×; left out: 1→16 (9 taps) 1.03×, SimpleConvNet's 1→30 5×5 (25 taps) 1.05×, 32→64 and 64→64
    /// measured at 7×7 1.15× and 0.98× (2 of the grid's 9 columns are not pixels; DeepConvNet's run at 8×8, where 2 of 10
    /// are not, and go pixel by pixel, <see cref="ConvolutionByPixel"/>). Backward with dx as this convolution of dout (<see cref="SupportsGradient"/>), against GEMM and fold:
    /// 16→16 0.88×, 16→32 0.96×, 32→32 0.89×; 32→64 at 7×7, whose dx grid is 9 wide, 1.14×.
    /// </remarks>
    public static bool Supports(ConvShape g, int fn) =>
        Avx512F.IsSupported && g.Stride == 1 && g.K >= 64 && fn <= 32 && g.W + 2 * g.Pad >= 8 * (g.FW - 1);

    /// <summary>Floats of the padded image (C, Hp, Wp), plus the slack that the last tile of positions reads past its end (zeros).</summary>
    public static int PaddedLength(ConvShape g) => g.C * (g.H + 2 * g.Pad) * (g.W + 2 * g.Pad) + g.FW + Positions;

    /// <summary>Positions per map of the grid: OH rows of Wp, rounded up to whole tiles.</summary>
    public static int GridLength(ConvShape g) => (g.OH * (g.W + 2 * g.Pad) + Positions - 1) / Positions * Positions;

    /// <summary>Each tap's shift into the padded image: <c>offsets[(c·FH + fy)·FW + fx] = c·Hp·Wp + fy·Wp + fx</c>.</summary>
    public static void Offsets(ConvShape g, Span<int> offsets)
    {
        int hp = g.H + 2 * g.Pad, wp = g.W + 2 * g.Pad, k = 0;
        for (int c = 0; c < g.C; c++)
            for (int fy = 0; fy < g.FH; fy++)
                for (int fx = 0; fx < g.FW; fx++)
                    offsets[k++] = c * hp * wp + fy * wp + fx;
    }

    /// <summary>
    /// One image: <c>y (FN, OH, OW) = relu?(W_col·cols(x) + bias)</c>, x (C, H, W), W_col (FN, K) row-major, <paramref name="bias"/>
    /// FN values or empty for none; <paramref name="padded"/> (<see cref="PaddedLength"/>) is scratch, <paramref name="offsets"/> from <see cref="Offsets"/>.
    /// </summary>
    /// <remarks>
    /// A tile's 32 grid positions that are pixels follow each other in y (dropping the grid's extra columns is exactly what
    /// makes y's rows contiguous), so each row of the tile is compressed to its pixels in registers and stored with one
    /// masked store per half: no grid is written and nothing copied afterwards.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, int fn, ReadOnlySpan<float> bias, Span<float> y, ConvShape g, bool relu,
        Span<float> padded, ReadOnlySpan<int> offsets)
    {
        int k = g.K, q = GridLength(g), wp = g.W + 2 * g.Pad, ow = g.OW, pixelsEnd = g.OH * wp, p = g.P;
        if (y.Length < fn * p || w.Length < fn * k || offsets.Length < k || padded.Length < PaddedLength(g) || (!bias.IsEmpty && bias.Length < fn))
            throw new ArgumentException($"ConvolutionDirect.Forward: {g} with {fn} filters needs y of {fn * p}, w of {fn * k}, {k} offsets and {PaddedLength(g)} floats of padding.", nameof(y));
        Pad(x, padded, g);
        Vector512<uint> lane = Vector512<uint>.Indices;
        fixed (float* pw = w)
        fixed (float* pBias = bias)
        fixed (float* pPadded = padded)
        fixed (float* py = y)
        fixed (int* pOffsets = offsets)
        {
            // Positions outside, filters inside: the taps' rows around a tile of positions stay in L1 for every 8 filters.
            for (int q0 = 0; q0 < q; q0 += Positions)
            {
                // Which of the tile's positions are pixels (before the end of the last row, in one of the first OW columns),
                // and where the first of them lands in y.
                uint pixels = PixelLanes(q0 % wp, wp, ow, pixelsEnd - q0);
                int first = q0 / wp * ow + Math.Min(q0 % wp, ow);
                var store = new CompressedStore(lane, pixels);
                for (int f0 = 0; f0 < fn; f0 += MR)
                    Tile(k, pw + (nint)f0 * k, Math.Min(MR, fn - f0), pPadded + q0, pOffsets, py + (nint)f0 * p + first, p, pBias == null ? null : pBias + f0, relu, store);
            }
        }
    }

    /// <summary>
    /// Bit i set where position i of a tile is a pixel: its grid column (from <paramref name="column"/>, wrapping at
    /// <paramref name="wp"/>) is below <paramref name="ow"/>, and i is below <paramref name="left"/>, the positions left
    /// before the last row ends. A row at a time (one or two per tile), where a loop over the 32 positions took 2 % of a
    /// DeepConvNet step.
    /// </summary>
    internal static uint PixelLanes(int column, int wp, int ow, int left)
    {
        uint pixels = 0;
        for (int i = -column; i < Positions; i += wp)                          // i: where a grid row starts, relative to the tile
        {
            int from = Math.Max(i, 0), to = Math.Min(i + ow, Positions);        // its pixels within the tile
            if (to > from)
                pixels |= (uint)((1UL << to) - (1UL << from));
        }
        return left >= Positions ? pixels : pixels & (uint)((1UL << Math.Max(left, 0)) - 1);
    }

    /// <summary>The masks that store a tile row's pixels: which lanes of each half are pixels, and the first how many lanes of y each half fills.</summary>
    private readonly struct CompressedStore(Vector512<uint> lane, uint pixels)
    {
        /// <summary>Bit i in lane i.</summary>
        private static readonly Vector512<uint> LaneBits = Vector512.Create(1u, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);

        public readonly Vector512<float> Pixels0 = Vector512.Equals(Vector512.Create(pixels & 0xFFFF) & LaneBits, LaneBits).AsSingle();
        public readonly Vector512<float> Pixels1 = Vector512.Equals(Vector512.Create(pixels >> 16) & LaneBits, LaneBits).AsSingle();
        public readonly Vector512<float> Filled0 = Vector512.LessThan(lane, Vector512.Create((uint)System.Numerics.BitOperations.PopCount(pixels & 0xFFFF))).AsSingle();
        public readonly Vector512<float> Filled1 = Vector512.LessThan(lane, Vector512.Create((uint)System.Numerics.BitOperations.PopCount(pixels >> 16))).AsSingle();
        public readonly int Count0 = System.Numerics.BitOperations.PopCount(pixels & 0xFFFF);

        /// <summary>relu?(x + bias) of the pixels among the 32 lanes of (x0, x1), stored one after the other from <paramref name="y"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store(float* y, Vector512<float> x0, Vector512<float> x1, Vector512<float> bias, bool relu)
        {
            // GemmMicroKernel512's epilogue with a row bias alone adds 0 + bias: the same sum for every bias but −0.
            x0 += bias;
            x1 += bias;
            if (relu)
            {
                x0 = Vector512.Max(x0, Vector512<float>.Zero);
                x1 = Vector512.Max(x1, Vector512<float>.Zero);
            }
            Avx512F.MaskStore(y, Filled0, Avx512F.Compress(default, Pixels0, x0));
            Avx512F.MaskStore(y + Count0, Filled1, Avx512F.Compress(default, Pixels1, x1));
        }
    }

    /// <summary>
    /// The geometry of dx as a convolution of one image's dout: <c>dx = conv(dout, rotated W)</c> over (FN, OH, OW) with
    /// C filters of FN·FH·FW taps and padding FH − 1 − pad, which gives back (C, H, W) for stride 1 and square filters.
    /// </summary>
    public static ConvShape GradientShape(ConvShape g, int fn) => new(1, fn, g.OH, g.OW, g.FH, g.FW, 1, g.FH - 1 - g.Pad);

    /// <summary>
    /// Whether dx can be formed as <see cref="GradientShape"/>'s convolution on the direct path: stride 1, square filters,
    /// padding at most FH − 1 (so the gradient's padding is not negative), at least 8 input channels (the tile's 8
    /// filters), and <see cref="Supports"/> for it (C ≤ 32 filters).
    /// </summary>
    /// <remarks>
    /// The input channels are the gradient convolution's filters: with fewer than 8, every tile computes 8 / C times the
    /// work it keeps. Measured on the 2-core Intel Xeon (family 6, model 207), batch 100, dx alone against GEMM and fold:
    /// SimpleConvNet's 1→30 5×5 4.8 against 0.9 ms, 1→16 3×3 1.0 against 0.4, 3→16 at 32×32 1.7 against 1.1, 4→16 1.03
    /// against 0.82; 8→16 1.4 against 1.7, and 16 channels 1.0-1.9 against 1.7-2.3 for 1 to 16 filters.
    /// </remarks>
    public static bool SupportsGradient(ConvShape g, int fn) =>
        g.Stride == 1 && g.FH == g.FW && g.Pad <= g.FH - 1 && g.C >= MR && Supports(GradientShape(g, fn), g.C);

    /// <summary>
    /// The filters of <see cref="GradientShape"/>: <c>rotated[c, (f, fy, fx)] = W[f, c, FH − 1 − fy, FW − 1 − fx]</c>, (C, FN·FH·FW)
    /// row-major: dx[c, y, x] = Σ W[f, c, fy, fx]·dout[f, y + pad − fy, x + pad − fx] is that convolution.
    /// </summary>
    public static void RotateFilters(ReadOnlySpan<float> w, Span<float> rotated, ConvShape g, int fn)
    {
        int taps = g.FH * g.FW;
        for (int c = 0; c < g.C; c++)
            for (int f = 0; f < fn; f++)
                for (int t = 0; t < taps; t++)
                    rotated[(c * fn + f) * taps + t] = w[(f * g.C + c) * taps + taps - 1 - t];
    }

    /// <summary>
    /// Whether dW can be formed from the padded image and dout on the grid (<see cref="ConvolutionWeightGradient.MultiplyGrid"/>):
    /// <see cref="Supports"/>, and at least 512 grid positions, so each tile's sums are added across lanes at most once per 32 steps.
    /// </summary>
    public static bool SupportsWeightGradient(ConvShape g, int fn) => Supports(g, fn) && GridLength(g) >= 512;

    /// <summary>One image's dout (FN, OH, OW) laid out on the grid (FN, <see cref="GridLength"/>): each row Wp wide, zeros past OW and past the last row.</summary>
    public static void ToGrid(ReadOnlySpan<float> dout, Span<float> grid, ConvShape g, int fn)
    {
        int q = GridLength(g), wp = g.W + 2 * g.Pad;
        grid.Slice(0, fn * q).Clear();
        for (int f = 0; f < fn; f++)
            for (int oy = 0; oy < g.OH; oy++)
                ShortSpans.Copy(dout.Slice((f * g.OH + oy) * g.OW, g.OW), grid.Slice(f * q + oy * wp, g.OW));
    }

    /// <summary>x (C, H, W) into <paramref name="padded"/> (C, Hp, Wp) with zeros around each plane, and zeros in the slack after it.</summary>
    /// <remarks>
    /// Rows go in ascending order as whole vectors: the last, masked load of a row reads only x's row, and its store writes
    /// zeros past W, over the padding and into the next row, which is written next. Where those zeros fall short of the
    /// 2·pad floats between two rows, one more vector of zeros is stored at the row's end. The planes' borders and the slack
    /// are cleared on their own.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pad(ReadOnlySpan<float> x, Span<float> padded, ConvShape g)
    {
        int hp = g.H + 2 * g.Pad, wp = g.W + 2 * g.Pad, width = g.W, top = g.Pad * wp + g.Pad, planes = g.C * hp * wp;
        if (x.Length < g.C * g.H * width || padded.Length < PaddedLength(g))
            throw new ArgumentException($"ConvolutionDirect.Pad: {g} needs x of {g.C * g.H * width} and padded of {PaddedLength(g)} floats.", nameof(padded));
        int whole = width & ~15;
        Vector512<float> tail = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width - whole)).AsSingle();
        bool gapCovered = (width + 15 & ~15) - width >= 2 * g.Pad;     // the tail's zeros reach the next row's first pixel
        fixed (float* source = x, destination = padded)
        {
            for (int c = 0; c < g.C; c++)
            {
                float* plane = destination + (nint)c * hp * wp, row = plane + top, from = source + (nint)c * g.H * width;
                ShortSpans.Clear(padded.Slice(c * hp * wp, top));
                for (int y = 0; y < g.H; y++, row += wp, from += width)
                {
                    int j = 0;
                    for (; j < whole; j += 16)
                        Vector512.Store(Vector512.Load(from + j), row + j);
                    if (j < width)
                        Vector512.Store(Avx512F.MaskLoad(from + j, tail, default), row + j);
                    if (!gapCovered)
                        ShortSpans.Clear(new Span<float>(row + width, 2 * g.Pad));
                }
                int bottom = top + (g.H - 1) * wp + width;                      // past the last pixel: right padding, then the bottom rows
                ShortSpans.Clear(padded.Slice(c * hp * wp + bottom, hp * wp - bottom));
            }
        }
        padded.Slice(planes).Clear();                                          // the slack the last tile reads, and the last row's spill
    }

    /// <summary>
    /// Rows r &lt; mr (filters) of the tile at 32 positions of the grid: <c>relu?(Σ_p a[r·k + p]·b[offsets[p] + j] + bias[r])</c>,
    /// its pixels stored from <c>y + r·ldy</c>; rows past mr repeat the last filter and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(int k, float* a, int mr, float* b, int* offsets, float* y, nint ldy, float* bias, bool relu, CompressedStore store)
    {
        nint o1 = Math.Min(1, mr - 1) * k, o2 = Math.Min(2, mr - 1) * k, o3 = Math.Min(3, mr - 1) * k;
        nint o4 = Math.Min(4, mr - 1) * k, o5 = Math.Min(5, mr - 1) * k, o6 = Math.Min(6, mr - 1) * k;
        nint o7 = Math.Min(7, mr - 1) * k;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < k; p++, a++)
        {
            float* row = b + offsets[p];
            Vector512<float> b0 = Vector512.Load(row);
            Vector512<float> b1 = Vector512.Load(row + 16);
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
        store.Store(y, c00, c01, GemmMicroKernel512.RowBias(bias, 0), relu);
        if (mr > 1) store.Store(y + ldy, c10, c11, GemmMicroKernel512.RowBias(bias, 1), relu);
        if (mr > 2) store.Store(y + 2 * ldy, c20, c21, GemmMicroKernel512.RowBias(bias, 2), relu);
        if (mr > 3) store.Store(y + 3 * ldy, c30, c31, GemmMicroKernel512.RowBias(bias, 3), relu);
        if (mr > 4) store.Store(y + 4 * ldy, c40, c41, GemmMicroKernel512.RowBias(bias, 4), relu);
        if (mr > 5) store.Store(y + 5 * ldy, c50, c51, GemmMicroKernel512.RowBias(bias, 5), relu);
        if (mr > 6) store.Store(y + 6 * ldy, c60, c61, GemmMicroKernel512.RowBias(bias, 6), relu);
        if (mr > 7) store.Store(y + 7 * ldy, c70, c71, GemmMicroKernel512.RowBias(bias, 7), relu);
    }
}
