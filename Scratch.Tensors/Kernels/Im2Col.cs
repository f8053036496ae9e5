using System.Runtime.CompilerServices;

namespace Scratch.Tensors.Kernels;

/// <summary>Geometry of a 2-D sliding window over an (N, C, H, W) batch: the book's im2col parameters.</summary>
internal readonly record struct ConvGeometry(int N, int C, int H, int W, int FH, int FW, int Stride, int Pad)
{
    public int OH => (H + 2 * Pad - FH) / Stride + 1;
    public int OW => (W + 2 * Pad - FW) / Stride + 1;
    /// <summary>Columns of the im2col matrix: C·FH·FW.</summary>
    public int ColWidth => C * FH * FW;
}

/// <summary>
/// im2col and its adjoint on contiguous spans. The column matrix is (N·OH·OW, C·FH·FW): row (n, oh, ow) holds
/// the window under output pixel (oh, ow) of image n, flattened in (c, fy, fx) order; padding reads as zero.
/// Both work one image at a time: image n touches only its own rows of col and its own plane of x, so images
/// can run on different threads with identical results.
/// </summary>
internal static class Im2ColKernel
{
    /// <summary>Rows of image <paramref name="n"/>: <c>col[(n, oh, ow), (c, fy, fx)] = x[n, c, oh·S − P + fy, ow·S − P + fx]</c> (0 outside).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Im2ColImage(ReadOnlySpan<float> x, Span<float> col, in ConvGeometry g, int n)
    {
        int oh = g.OH, ow = g.OW, width = g.ColWidth, plane = g.H * g.W;
        for (int y = 0; y < oh; y++)
            for (int xo = 0; xo < ow; xo++)
            {
                Span<float> row = col.Slice(((n * oh + y) * ow + xo) * width, width);
                int top = y * g.Stride - g.Pad, left = xo * g.Stride - g.Pad;
                // fx in [fxFrom, fxTo) lands inside the image: one contiguous copy per (c, fy).
                int fxFrom = Math.Max(0, -left), fxTo = Math.Min(g.FW, g.W - left);
                int r = 0;
                for (int c = 0; c < g.C; c++)
                    for (int fy = 0; fy < g.FH; fy++, r += g.FW)
                    {
                        Span<float> window = row.Slice(r, g.FW);
                        int iy = top + fy;
                        if (iy < 0 || iy >= g.H || fxFrom >= fxTo)
                        {
                            window.Clear();
                            continue;
                        }
                        // Windows are short (FW = 2…7 in the book): a plain loop beats a span copy's call overhead.
                        ReadOnlySpan<float> line = x.Slice((n * g.C + c) * plane + iy * g.W + left + fxFrom, fxTo - fxFrom);
                        int fx = 0;
                        for (; fx < fxFrom; fx++) window[fx] = 0f;
                        for (; fx < fxTo; fx++) window[fx] = line[fx - fxFrom];
                        for (; fx < g.FW; fx++) window[fx] = 0f;
                    }
            }
    }

    /// <summary>The adjoint for image <paramref name="n"/>: <c>x[n, c, iy, ix] = Σ col</c> over every window entry that read it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Col2ImImage(ReadOnlySpan<float> col, Span<float> x, in ConvGeometry g, int n)
    {
        int oh = g.OH, ow = g.OW, width = g.ColWidth, plane = g.H * g.W;
        x.Slice(n * g.C * plane, g.C * plane).Clear();
        for (int y = 0; y < oh; y++)
            for (int xo = 0; xo < ow; xo++)
            {
                ReadOnlySpan<float> row = col.Slice(((n * oh + y) * ow + xo) * width, width);
                int top = y * g.Stride - g.Pad, left = xo * g.Stride - g.Pad;
                int fxFrom = Math.Max(0, -left), fxTo = Math.Min(g.FW, g.W - left);
                if (fxFrom >= fxTo) continue;
                int r = 0;
                for (int c = 0; c < g.C; c++)
                    for (int fy = 0; fy < g.FH; fy++, r += g.FW)
                    {
                        int iy = top + fy;
                        if (iy < 0 || iy >= g.H) continue;
                        Span<float> target = x.Slice((n * g.C + c) * plane + iy * g.W + left + fxFrom, fxTo - fxFrom);
                        ReadOnlySpan<float> source = row.Slice(r + fxFrom, fxTo - fxFrom);
                        for (int i = 0; i < target.Length; i++)   // short windows: a plain loop
                            target[i] += source[i];
                    }
            }
    }
}

/// <summary>
/// PyTorch's unfold and fold on contiguous spans: the im2col matrix of each image transposed, (C·FH·FW, OH·OW),
/// so that row (c, fy, fx) lists what that filter tap sees at every output pixel. With stride 1 each output row
/// of a tap is one contiguous run of the input row, so both directions copy long runs instead of FW-wide windows.
/// </summary>
internal static class UnfoldKernel
{
    /// <summary>Image n: <c>cols[n, (c, fy, fx), oh·OW + ow] = x[n, c, oh·S − P + fy, ow·S − P + fx]</c> (0 outside).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UnfoldImage(ReadOnlySpan<float> x, Span<float> cols, in ConvGeometry g, int n)
    {
        int oh = g.OH, ow = g.OW, plane = g.H * g.W, pixels = oh * ow;
        Span<float> image = cols.Slice(n * g.ColWidth * pixels, g.ColWidth * pixels);
        int row = 0;
        for (int c = 0; c < g.C; c++)
        {
            ReadOnlySpan<float> channel = x.Slice((n * g.C + c) * plane, plane);
            for (int fy = 0; fy < g.FH; fy++)
                for (int fx = 0; fx < g.FW; fx++, row++)
                    ConvolutionLayout.UnfoldTap(channel, image.Slice(row * pixels, pixels), g.H, g.W, oh, ow, g.Stride, g.Pad, fy, fx);
        }
    }

    /// <summary>The adjoint for image n: <c>x[n, c, iy, ix] = Σ cols</c> over every tap and output pixel that read it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FoldImage(ReadOnlySpan<float> cols, Span<float> x, in ConvGeometry g, int n)
    {
        int oh = g.OH, ow = g.OW, plane = g.H * g.W, pixels = oh * ow;
        ReadOnlySpan<float> image = cols.Slice(n * g.ColWidth * pixels, g.ColWidth * pixels);
        x.Slice(n * g.C * plane, g.C * plane).Clear();
        int row = 0;
        for (int c = 0; c < g.C; c++)
        {
            Span<float> channel = x.Slice((n * g.C + c) * plane, plane);
            for (int fy = 0; fy < g.FH; fy++)
                for (int fx = 0; fx < g.FW; fx++, row++)
                    ConvolutionLayout.FoldTap(image.Slice(row * pixels, pixels), channel, g.H, g.W, oh, ow, g.Stride, g.Pad, fy, fx);
        }
    }
}
