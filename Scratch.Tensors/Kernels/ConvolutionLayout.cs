using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Scratch.Tensors.Kernels;

/// <summary>A convolution's geometry: input (N, C, H, W), filters (FH, FW), OH = (H + 2·Pad − FH)/Stride + 1, OW likewise.</summary>
public readonly record struct ConvShape(int N, int C, int H, int W, int FH, int FW, int Stride, int Pad)
{
    /// <summary>Output height.</summary>
    public int OH => (H + 2 * Pad - FH) / Stride + 1;

    /// <summary>Output width.</summary>
    public int OW => (W + 2 * Pad - FW) / Stride + 1;

    /// <summary>Output pixels per map: P = OH·OW.</summary>
    public int P => OH * OW;

    /// <summary>Filter taps: K = C·FH·FW, the rows of the column matrix.</summary>
    public int K => C * FH * FW;

    /// <summary>Columns of the batch-wide column matrix: N·P.</summary>
    public int Columns => N * OH * OW;
}

/// <summary>
/// The data movement around a convolution done as products over whole images. With the column matrix
/// <c>cols</c> (K, N·P) (row (c, fy, fx), column (n, pixel): what that filter tap sees at that output pixel of that
/// image), the forward pass is <c>W_col·cols</c> (FN, K)·(K, N·P), whose row f holds map f of every image; these
/// kernels unfold x into cols, fold gradients back, and move maps between the product's (FN, N, P) order and the
/// layer's (N, FN, P). Every image touches only its own columns and planes, so a caller can hand images to different
/// threads (<see cref="ConvolutionGemm"/> does, by chunks) with identical results. Each loop has a <c>Naive</c> twin.
/// </summary>
public static class ConvolutionLayout
{
    /// <summary>Whether <see cref="Unfold"/> and <see cref="Fold"/> run <see cref="ColumnsAvx512"/> where it supports the geometry (tests switch it off to check the other paths).</summary>
    internal static bool UseAvx512 { get; set; } = true;

    /// <summary>Images [from, to): <c>cols[(c, fy, fx), n·P + oh·OW + ow] = x[n, c, oh·S − P + fy, ow·S − P + fx]</c> (0 in the padding).</summary>
    /// <remarks>
    /// A "same" convolution (stride 1, OW = W, as 3×3 with pad 1) copies each tap's rows as one shifted span (<see cref="IsShiftedCopy"/>);
    /// other stride-1 geometries on AVX-512 write each row of a tap's map with one masked load and store per 16 columns
    /// (<see cref="ColumnsAvx512"/>: DeepConvNet's pad-2 convolution 3.0 → 2.4 ms a batch, where for same convolutions the
    /// shifted spans stay faster, 1.4–2.1 against 2.0–3.3 ms at 16 × 28×28).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unfold(ReadOnlySpan<float> x, Span<float> cols, ConvShape g, int from, int to)
    {
        int oh = g.OH, ow = g.OW, plane = g.H * g.W, pixels = oh * ow, columns = g.Columns;
        if (IsShiftedCopy(g))
        {
            UnfoldShifted(x, cols, g, from, to);
            return;
        }
        if (UseAvx512 && ColumnsAvx512.Supports(g))
        {
            ColumnsAvx512.Unfold(x, cols, g, from, to);
            return;
        }
        for (int n = from; n < to; n++)
        {
            int row = 0;
            for (int c = 0; c < g.C; c++)
            {
                ReadOnlySpan<float> channel = x.Slice((n * g.C + c) * plane, plane);
                for (int fy = 0; fy < g.FH; fy++)
                    for (int fx = 0; fx < g.FW; fx++, row++)
                        UnfoldTap(channel, cols.Slice(row * columns + n * pixels, pixels), g.H, g.W, oh, ow, g.Stride, g.Pad, fy, fx);
            }
        }
    }

    /// <summary>Images [from, to) of the adjoint of <see cref="Unfold"/>: <c>dx[n, c, iy, ix] = Σ cols</c> over every tap and pixel that read it.</summary>
    /// <remarks>
    /// Stride 1 on AVX-512 gathers each element's taps in a register (<see cref="ColumnsAvx512"/>), except for "same"
    /// convolutions on planes of <see cref="ShiftedFoldMinPlane"/> or more. There, and otherwise, cols is also scratch: for
    /// a "same" convolution (<see cref="IsShiftedCopy"/>) the entries that read padding are set to 0 first, so each tap's
    /// rows are added as one shifted span. The sums are the same, in the same order, on every path.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fold(Span<float> cols, Span<float> dx, ConvShape g, int from, int to)
    {
        int oh = g.OH, ow = g.OW, plane = g.H * g.W, pixels = oh * ow, columns = g.Columns;
        if (UseAvx512 && ColumnsAvx512.Supports(g) && !(IsShiftedCopy(g) && plane >= ShiftedFoldMinPlane))
        {
            ColumnsAvx512.Fold(cols, dx, g, from, to);
            return;
        }
        if (IsShiftedCopy(g))
        {
            FoldShifted(cols, dx, g, from, to);
            return;
        }
        for (int n = from; n < to; n++)
        {
            dx.Slice(n * g.C * plane, g.C * plane).Clear();
            int row = 0;
            for (int c = 0; c < g.C; c++)
            {
                Span<float> channel = dx.Slice((n * g.C + c) * plane, plane);
                for (int fy = 0; fy < g.FH; fy++)
                    for (int fx = 0; fx < g.FW; fx++, row++)
                        FoldTap(cols.Slice(row * columns + n * pixels, pixels), channel, g.H, g.W, oh, ow, g.Stride, g.Pad, fy, fx);
            }
        }
    }

    /// <summary>
    /// Input planes from which a "same" convolution's fold adds each tap as one shifted span rather than gathering: the span's
    /// length pays for its per-tap overhead. Measured on one core, batch 100, 3×3 pad 1: 16 × 28×28 (784) 1.4–2.0 ms shifted
    /// against 1.5–2.2 gathered, 16 × 14×14 (196) 0.71–0.75 against 0.53–0.55, 64 × 8×8 1.6–1.8 against 1.1.
    /// </summary>
    internal const int ShiftedFoldMinPlane = 512;

    /// <summary>
    /// Whether the geometry has stride 1 and OW = W: then tap (fy, fx) reads <c>x[i + shift]</c> for its entry i of the image's
    /// (OH·OW) block, <c>shift = (fy − pad)·W + fx − pad</c>, except at the at most 2·pad columns per row that fall in the padding.
    /// </summary>
    public static bool IsShiftedCopy(ConvShape g) => g.Stride == 1 && g.OW == g.W;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnfoldShifted(ReadOnlySpan<float> x, Span<float> cols, ConvShape g, int from, int to)
    {
        int oh = g.OH, ow = g.OW, plane = g.H * g.W, pixels = oh * ow, columns = g.Columns;
        for (int n = from; n < to; n++)
            for (int c = 0, row = 0; c < g.C; c++)
            {
                ReadOnlySpan<float> channel = x.Slice((n * g.C + c) * plane, plane);
                for (int fy = 0; fy < g.FH; fy++)
                    for (int fx = 0; fx < g.FW; fx++, row++)
                    {
                        Span<float> tap = cols.Slice(row * columns + n * pixels, pixels);
                        var (yFrom, yTo) = Inside(fy, g.H, oh, 1, g.Pad);
                        var (xFrom, xTo) = Inside(fx, g.W, ow, 1, g.Pad);
                        int shift = (fy - g.Pad) * g.W + fx - g.Pad;
                        int first = Math.Max(yFrom * ow, -shift), last = Math.Min(yTo * ow, plane - shift);
                        if (last <= first)
                        {
                            ShortSpans.Clear(tap);
                            continue;
                        }
                        ShortSpans.Clear(tap[..first]);
                        ShortSpans.Clear(tap[last..]);
                        ShortSpans.Copy(channel.Slice(first + shift, last - first), tap[first..last]);   // every row of the tap at once
                        ClearColumns(tap, ow, yFrom, yTo, xFrom, xTo);                               // the columns that read padding
                    }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FoldShifted(Span<float> cols, Span<float> dx, ConvShape g, int from, int to)
    {
        int oh = g.OH, ow = g.OW, plane = g.H * g.W, pixels = oh * ow, columns = g.Columns;
        for (int n = from; n < to; n++)
        {
            dx.Slice(n * g.C * plane, g.C * plane).Clear();
            for (int c = 0, row = 0; c < g.C; c++)
            {
                Span<float> channel = dx.Slice((n * g.C + c) * plane, plane);
                for (int fy = 0; fy < g.FH; fy++)
                    for (int fx = 0; fx < g.FW; fx++, row++)
                    {
                        Span<float> tap = cols.Slice(row * columns + n * pixels, pixels);
                        var (yFrom, yTo) = Inside(fy, g.H, oh, 1, g.Pad);
                        var (xFrom, xTo) = Inside(fx, g.W, ow, 1, g.Pad);
                        int shift = (fy - g.Pad) * g.W + fx - g.Pad;
                        int first = Math.Max(yFrom * ow, -shift), last = Math.Min(yTo * ow, plane - shift);
                        if (last <= first) continue;
                        ClearColumns(tap, ow, yFrom, yTo, xFrom, xTo);                               // what read padding adds nothing
                        ShortSpans.Add(channel.Slice(first + shift, last - first), tap[first..last]);     // every row of the tap at once
                    }
            }
        }
    }

    /// <summary>Columns [0, xFrom) and [xTo, width) of rows [yFrom, yTo) of a (rows, width) block set to 0 (a few entries per row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ClearColumns(Span<float> block, int width, int yFrom, int yTo, int xFrom, int xTo)
    {
        if (xFrom == 0 && xTo == width) return;
        if (yTo > yFrom && (uint)(yTo * width) > (uint)block.Length)
            throw new ArgumentException("ConvolutionLayout.ClearColumns: rows past the block.", nameof(block));
        ref float start = ref MemoryMarshal.GetReference(block);
        for (int y = yFrom; y < yTo; y++)
        {
            ref float row = ref Unsafe.Add(ref start, y * width);
            for (int o = 0; o < xFrom; o++) Unsafe.Add(ref row, o) = 0f;
            for (int o = xTo; o < width; o++) Unsafe.Add(ref row, o) = 0f;
        }
    }

    /// <summary>Images [from, to): <c>y[n, f, p] = relu?(product[f, n·P + p] + bias[f])</c>, the product's maps into (N, FN, P) order with the bias (and ReLU) in the same pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scatter(ReadOnlySpan<float> product, Span<float> y, ReadOnlySpan<float> bias, bool relu, int n, int p, int from, int to)
    {
        int fn = bias.Length;
        for (int image = from; image < to; image++)
            for (int f = 0; f < fn; f++)
            {
                ShortSpans.AddScalar(product.Slice(f * n * p + image * p, p), bias[f], y.Slice((image * fn + f) * p, p), relu);
            }
    }

    /// <summary>Images [from, to): <c>doutT[f, n·P + p] = dout[n, f, p]</c>, the layer's (N, FN, P) gradient in the product's (FN, N·P) order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather(ReadOnlySpan<float> dout, Span<float> doutT, int n, int fn, int p, int from, int to)
    {
        for (int image = from; image < to; image++)
            for (int f = 0; f < fn; f++)
                ShortSpans.Copy(dout.Slice((image * fn + f) * p, p), doutT.Slice(f * n * p + image * p, p));
    }

    /// <summary>The reference of <see cref="Unfold"/>: every entry read through <c>x_pad</c>.</summary>
    public static void UnfoldNaive(ReadOnlySpan<float> x, Span<float> cols, ConvShape g)
    {
        for (int c = 0, k = 0; c < g.C; c++)
            for (int fy = 0; fy < g.FH; fy++)
                for (int fx = 0; fx < g.FW; fx++, k++)
                    for (int n = 0; n < g.N; n++)
                        for (int i = 0; i < g.OH; i++)
                            for (int j = 0; j < g.OW; j++)
                            {
                                int yy = i * g.Stride - g.Pad + fy, xx = j * g.Stride - g.Pad + fx;
                                bool inside = yy >= 0 && yy < g.H && xx >= 0 && xx < g.W;
                                cols[k * g.Columns + (n * g.OH + i) * g.OW + j] = inside ? x[((n * g.C + c) * g.H + yy) * g.W + xx] : 0f;
                            }
    }

    /// <summary>The reference of <see cref="Fold"/>.</summary>
    public static void FoldNaive(ReadOnlySpan<float> cols, Span<float> dx, ConvShape g)
    {
        dx.Clear();
        for (int c = 0, k = 0; c < g.C; c++)
            for (int fy = 0; fy < g.FH; fy++)
                for (int fx = 0; fx < g.FW; fx++, k++)
                    for (int n = 0; n < g.N; n++)
                        for (int i = 0; i < g.OH; i++)
                            for (int j = 0; j < g.OW; j++)
                            {
                                int yy = i * g.Stride - g.Pad + fy, xx = j * g.Stride - g.Pad + fx;
                                if (yy >= 0 && yy < g.H && xx >= 0 && xx < g.W)
                                    dx[((n * g.C + c) * g.H + yy) * g.W + xx] += cols[k * g.Columns + (n * g.OH + i) * g.OW + j];
                            }
    }

    /// <summary>The reference of <see cref="Scatter"/>.</summary>
    public static void ScatterNaive(ReadOnlySpan<float> product, Span<float> y, ReadOnlySpan<float> bias, bool relu, int n, int p)
    {
        int fn = bias.Length;
        for (int image = 0; image < n; image++)
            for (int f = 0; f < fn; f++)
                for (int q = 0; q < p; q++)
                {
                    float v = product[f * n * p + image * p + q] + bias[f];
                    y[(image * fn + f) * p + q] = relu ? MathF.Max(v, 0f) : v;
                }
    }

    /// <summary>The reference of <see cref="Gather"/>.</summary>
    public static void GatherNaive(ReadOnlySpan<float> dout, Span<float> doutT, int n, int fn, int p)
    {
        for (int image = 0; image < n; image++)
            for (int f = 0; f < fn; f++)
                for (int q = 0; q < p; q++)
                    doutT[f * n * p + image * p + q] = dout[(image * fn + f) * p + q];
    }

    /// <summary>One filter tap (fy, fx) of one channel: <c>tap[oy·OW + ox] = channel[oy·S − P + fy, ox·S − P + fx]</c>, 0 where that reads padding.</summary>
    /// <remarks>channel: (H, W); tap: (OH, OW). Shared by <see cref="Unfold"/> and the per-image unfold behind <c>NDArray.Unfold</c>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnfoldTap(ReadOnlySpan<float> channel, Span<float> tap, int h, int w, int oh, int ow, int stride, int pad, int fy, int fx)
    {
        var (yFrom, yTo) = Inside(fy, h, oh, stride, pad);
        var (xFrom, xTo) = Inside(fx, w, ow, stride, pad);
        ShortSpans.Clear(tap[..(yFrom * ow)]);
        ShortSpans.Clear(tap[(yTo * ow)..]);
        for (int y = yFrom; y < yTo; y++)
        {
            Span<float> line = tap.Slice(y * ow, ow);
            for (int o = 0; o < xFrom; o++) line[o] = 0f;
            for (int o = xTo; o < ow; o++) line[o] = 0f;
            int start = (y * stride - pad + fy) * w + xFrom * stride - pad + fx;
            if (stride == 1)
                ShortSpans.Copy(channel.Slice(start, xTo - xFrom), line[xFrom..xTo]);
            else
                for (int o = xFrom, at = start; o < xTo; o++, at += stride)
                    line[o] = channel[at];
        }
    }

    /// <summary>The adjoint of <see cref="UnfoldTap"/>: <c>channel[oy·S − P + fy, ox·S − P + fx] += tap[oy·OW + ox]</c> where that is inside.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void FoldTap(ReadOnlySpan<float> tap, Span<float> channel, int h, int w, int oh, int ow, int stride, int pad, int fy, int fx)
    {
        var (yFrom, yTo) = Inside(fy, h, oh, stride, pad);
        var (xFrom, xTo) = Inside(fx, w, ow, stride, pad);
        for (int y = yFrom; y < yTo; y++)
        {
            ReadOnlySpan<float> line = tap.Slice(y * ow + xFrom, xTo - xFrom);
            int start = (y * stride - pad + fy) * w + xFrom * stride - pad + fx;
            if (stride == 1)
                ShortSpans.Add(channel.Slice(start, line.Length), line);
            else
                for (int o = 0, at = start; o < line.Length; o++, at += stride)
                    channel[at] += line[o];
        }
    }

    /// <summary>The output positions [from, to) whose tap <paramref name="f"/> lands inside an input of <paramref name="size"/> (f − pad + o·stride in [0, size)).</summary>
    private static (int From, int To) Inside(int f, int size, int outSize, int stride, int pad)
    {
        int first = pad - f;
        int from = first <= 0 ? 0 : (first + stride - 1) / stride;
        int last = size - 1 + pad - f;
        int to = last < 0 ? 0 : Math.Min(outSize, last / stride + 1);
        return (Math.Min(from, to), to);
    }
}
