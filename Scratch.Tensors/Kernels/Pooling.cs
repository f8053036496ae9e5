namespace Scratch.Tensors.Kernels;

/// <summary>Where the (PoolH, PoolW) windows of a pooling layer fall on an (N, C, H, W) input: OH = (H + 2·Pad − PoolH)/Stride + 1, OW likewise.</summary>
public readonly record struct PoolShape(int N, int C, int H, int W, int PoolH, int PoolW, int Stride, int Pad)
{
    /// <summary>Output height.</summary>
    public int OH => (H + 2 * Pad - PoolH) / Stride + 1;

    /// <summary>Output width.</summary>
    public int OW => (W + 2 * Pad - PoolW) / Stride + 1;

    /// <summary>The (n, c) planes: N·C.</summary>
    public int Planes => N * C;
}

/// <summary>
/// Max and average pooling on contiguous (N, C, H, W) spans, one pass each. Max pooling records the argmax (the flat
/// index in x, or −1 for a padding zero) in the same pass as the max. Padding reads as zero, as the book's im2col-based
/// pooling; ties go to the first element in (y, x) order and a NaN wins, as <c>np.argmax</c>. Every (n, c) plane is
/// independent, so planes are shared among threads with identical results; each loop has a <c>Naive</c> twin.
/// </summary>
public static class Pooling
{
    /// <summary><c>y[n, c, i, j] = max</c> of window (i, j), <c>argMax[n, c, i, j]</c> = where it was.</summary>
    public static void MaxForward(ReadOnlyMemory<float> x, Memory<float> y, Memory<int> argMax, PoolShape g) =>
        ParallelRange.For(g.Planes, new MaxForwardBody(x, y, argMax, g), (long)g.Planes * g.H * g.W);

    /// <summary><c>dx = 0</c>, then <c>dx[argMax[o]] += dout[o]</c> for every output element o (planes in parallel).</summary>
    public static void MaxBackward(ReadOnlyMemory<float> dout, ReadOnlyMemory<int> argMax, Memory<float> dx, PoolShape g) =>
        ParallelRange.For(g.Planes, new MaxBackwardBody(dout, argMax, dx, g), (long)g.Planes * g.H * g.W);

    /// <summary><c>y[n, c, i, j] = Σ window (i, j) / (PoolH·PoolW)</c>, padding counted as zeros.</summary>
    public static void AvgForward(ReadOnlyMemory<float> x, Memory<float> y, PoolShape g) =>
        ParallelRange.For(g.Planes, new AvgForwardBody(x, y, g), (long)g.Planes * g.H * g.W);

    /// <summary><c>dx = 0</c>, then every element of window (i, j) gains <c>dout[n, c, i, j] / (PoolH·PoolW)</c>.</summary>
    public static void AvgBackward(ReadOnlyMemory<float> dout, Memory<float> dx, PoolShape g) =>
        ParallelRange.For(g.Planes, new AvgBackwardBody(dout, dx, g), (long)g.Planes * g.H * g.W);

    /// <summary>Max pooling of planes [from, to) on this thread.</summary>
    public static void MaxForward(ReadOnlySpan<float> x, Span<float> y, Span<int> argMax, PoolShape g, int from, int to)
    {
        if (g is { PoolH: 2, PoolW: 2, Stride: 2, Pad: 0 })
        {
            MaxForward2x2(x, y, argMax, g, from, to);
            return;
        }
        int oh = g.OH, ow = g.OW, plane = g.H * g.W;
        for (int p = from; p < to; p++)
        {
            int planeStart = p * plane, o = p * oh * ow;
            for (int i = 0; i < oh; i++)
            {
                int top = i * g.Stride - g.Pad;
                for (int j = 0; j < ow; j++, o++)
                {
                    int left = j * g.Stride - g.Pad;
                    float best;
                    int bestAt;
                    if (top >= 0 && left >= 0 && top + g.PoolH <= g.H && left + g.PoolW <= g.W)
                    {
                        // Inside the image: no padding checks. The first element starts the search.
                        bestAt = planeStart + top * g.W + left;
                        best = x[bestAt];
                        for (int yy = 0; yy < g.PoolH; yy++)
                        {
                            int row = planeStart + (top + yy) * g.W + left;
                            for (int at = row; at < row + g.PoolW; at++)
                            {
                                float v = x[at];
                                if (v > best || (float.IsNaN(v) && !float.IsNaN(best))) { best = v; bestAt = at; }
                            }
                        }
                    }
                    else
                        (best, bestAt) = MaxOfPaddedWindow(x, g, planeStart, top, left);
                    y[o] = best;
                    argMax[o] = bestAt;
                }
            }
        }
    }

    /// <summary>The book's 2×2 pooling with stride 2 and no padding: the four candidates of each window compared in (y, x) order, without the general window loops.</summary>
    private static void MaxForward2x2(ReadOnlySpan<float> x, Span<float> y, Span<int> argMax, PoolShape g, int from, int to)
    {
        int oh = g.OH, ow = g.OW, w = g.W, plane = g.H * g.W;
        for (int p = from; p < to; p++)
            for (int i = 0, o = p * oh * ow; i < oh; i++)
            {
                int row = p * plane + 2 * i * w;
                for (int j = 0; j < ow; j++, o++)
                {
                    int at = row + 2 * j, bestAt = at;
                    float best = x[at];
                    Consider(x[at + 1], at + 1, ref best, ref bestAt);
                    Consider(x[at + w], at + w, ref best, ref bestAt);
                    Consider(x[at + w + 1], at + w + 1, ref best, ref bestAt);
                    y[o] = best;
                    argMax[o] = bestAt;
                }
            }
    }

    /// <summary>np.argmax's rule: a later element wins only if strictly greater, or if it is the first NaN.</summary>
    private static void Consider(float v, int at, ref float best, ref int bestAt)
    {
        if (v > best || (float.IsNaN(v) && !float.IsNaN(best)))
        {
            best = v;
            bestAt = at;
        }
    }

    /// <summary>The max of a window that overlaps the padding (which reads as 0, at index −1).</summary>
    private static (float Max, int At) MaxOfPaddedWindow(ReadOnlySpan<float> x, PoolShape g, int planeStart, int top, int left)
    {
        float best = 0f;
        int bestAt = -1;
        bool first = true;
        for (int yy = top; yy < top + g.PoolH; yy++)
            for (int xx = left; xx < left + g.PoolW; xx++)
            {
                bool inside = (uint)yy < (uint)g.H && (uint)xx < (uint)g.W;
                int at = inside ? planeStart + yy * g.W + xx : -1;
                float v = inside ? x[at] : 0f;
                if (first || v > best || (float.IsNaN(v) && !float.IsNaN(best))) { best = v; bestAt = at; first = false; }
            }
        return (best, bestAt);
    }

    /// <summary>Max-pooling backward of planes [from, to) on this thread.</summary>
    public static void MaxBackward(ReadOnlySpan<float> dout, ReadOnlySpan<int> argMax, Span<float> dx, PoolShape g, int from, int to)
    {
        int plane = g.H * g.W, outPlane = g.OH * g.OW;
        dx.Slice(from * plane, (to - from) * plane).Clear();
        for (int o = from * outPlane; o < to * outPlane; o++)
        {
            int at = argMax[o];
            if (at >= 0) dx[at] += dout[o];
        }
    }

    /// <summary>Average pooling of planes [from, to) on this thread.</summary>
    public static void AvgForward(ReadOnlySpan<float> x, Span<float> y, PoolShape g, int from, int to)
    {
        int oh = g.OH, ow = g.OW, plane = g.H * g.W;
        float scale = 1f / (g.PoolH * g.PoolW);
        for (int p = from; p < to; p++)
        {
            ReadOnlySpan<float> xs = x.Slice(p * plane, plane);
            int o = p * oh * ow;
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, o++)
                {
                    var (y0, y1, x0, x1) = Inside(g, i, j);
                    float sum = 0f;
                    for (int yy = y0; yy < y1; yy++)
                        for (int xx = x0; xx < x1; xx++)
                            sum += xs[yy * g.W + xx];
                    y[o] = sum * scale;
                }
        }
    }

    /// <summary>Average-pooling backward of planes [from, to) on this thread.</summary>
    public static void AvgBackward(ReadOnlySpan<float> dout, Span<float> dx, PoolShape g, int from, int to)
    {
        int oh = g.OH, ow = g.OW, plane = g.H * g.W;
        float scale = 1f / (g.PoolH * g.PoolW);
        for (int p = from; p < to; p++)
        {
            Span<float> dxs = dx.Slice(p * plane, plane);
            dxs.Clear();
            int o = p * oh * ow;
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++, o++)
                {
                    var (y0, y1, x0, x1) = Inside(g, i, j);
                    float share = dout[o] * scale;
                    for (int yy = y0; yy < y1; yy++)
                        for (int xx = x0; xx < x1; xx++)
                            dxs[yy * g.W + xx] += share;
                }
        }
    }

    /// <summary>The reference of max pooling: for every output element, the window read element by element through <c>x_pad</c>.</summary>
    public static void MaxForwardNaive(ReadOnlySpan<float> x, Span<float> y, Span<int> argMax, PoolShape g)
    {
        int o = 0;
        for (int p = 0; p < g.Planes; p++)
            for (int i = 0; i < g.OH; i++)
                for (int j = 0; j < g.OW; j++, o++)
                {
                    float best = float.NegativeInfinity;
                    int bestAt = int.MinValue;
                    for (int fy = 0; fy < g.PoolH; fy++)
                        for (int fx = 0; fx < g.PoolW; fx++)
                        {
                            int yy = i * g.Stride - g.Pad + fy, xx = j * g.Stride - g.Pad + fx;
                            bool inside = yy >= 0 && yy < g.H && xx >= 0 && xx < g.W;
                            int at = inside ? (p * g.H + yy) * g.W + xx : -1;
                            float v = inside ? x[at] : 0f;
                            if (bestAt == int.MinValue || v > best || (float.IsNaN(v) && !float.IsNaN(best))) { best = v; bestAt = at; }
                        }
                    y[o] = best;
                    argMax[o] = bestAt;
                }
    }

    /// <summary>The reference of max-pooling backward.</summary>
    public static void MaxBackwardNaive(ReadOnlySpan<float> dout, ReadOnlySpan<int> argMax, Span<float> dx)
    {
        dx.Clear();
        for (int o = 0; o < dout.Length; o++)
            if (argMax[o] >= 0) dx[argMax[o]] += dout[o];
    }

    /// <summary>The reference of average pooling: every window element read through <c>x_pad</c>.</summary>
    public static void AvgForwardNaive(ReadOnlySpan<float> x, Span<float> y, PoolShape g)
    {
        int o = 0;
        for (int p = 0; p < g.Planes; p++)
            for (int i = 0; i < g.OH; i++)
                for (int j = 0; j < g.OW; j++, o++)
                {
                    float sum = 0f;
                    for (int fy = 0; fy < g.PoolH; fy++)
                        for (int fx = 0; fx < g.PoolW; fx++)
                        {
                            int yy = i * g.Stride - g.Pad + fy, xx = j * g.Stride - g.Pad + fx;
                            if (yy >= 0 && yy < g.H && xx >= 0 && xx < g.W) sum += x[(p * g.H + yy) * g.W + xx];
                        }
                    y[o] = sum * (1f / (g.PoolH * g.PoolW));
                }
    }

    /// <summary>The reference of average-pooling backward.</summary>
    public static void AvgBackwardNaive(ReadOnlySpan<float> dout, Span<float> dx, PoolShape g)
    {
        dx.Clear();
        int o = 0;
        for (int p = 0; p < g.Planes; p++)
            for (int i = 0; i < g.OH; i++)
                for (int j = 0; j < g.OW; j++, o++)
                    for (int fy = 0; fy < g.PoolH; fy++)
                        for (int fx = 0; fx < g.PoolW; fx++)
                        {
                            int yy = i * g.Stride - g.Pad + fy, xx = j * g.Stride - g.Pad + fx;
                            if (yy >= 0 && yy < g.H && xx >= 0 && xx < g.W) dx[(p * g.H + yy) * g.W + xx] += dout[o] * (1f / (g.PoolH * g.PoolW));
                        }
    }

    /// <summary>The part of window (i, j) inside the image: rows [y0, y1), columns [x0, x1).</summary>
    private static (int Y0, int Y1, int X0, int X1) Inside(PoolShape g, int i, int j)
    {
        int top = i * g.Stride - g.Pad, left = j * g.Stride - g.Pad;
        return (Math.Max(top, 0), Math.Min(top + g.PoolH, g.H), Math.Max(left, 0), Math.Min(left + g.PoolW, g.W));
    }

    private readonly struct MaxForwardBody(ReadOnlyMemory<float> x, Memory<float> y, Memory<int> argMax, PoolShape g) : IRangeBody
    {
        public void Run(int from, int to) => MaxForward(x.Span, y.Span, argMax.Span, g, from, to);
    }

    private readonly struct MaxBackwardBody(ReadOnlyMemory<float> dout, ReadOnlyMemory<int> argMax, Memory<float> dx, PoolShape g) : IRangeBody
    {
        public void Run(int from, int to) => MaxBackward(dout.Span, argMax.Span, dx.Span, g, from, to);
    }

    private readonly struct AvgForwardBody(ReadOnlyMemory<float> x, Memory<float> y, PoolShape g) : IRangeBody
    {
        public void Run(int from, int to) => AvgForward(x.Span, y.Span, g, from, to);
    }

    private readonly struct AvgBackwardBody(ReadOnlyMemory<float> dout, Memory<float> dx, PoolShape g) : IRangeBody
    {
        public void Run(int from, int to) => AvgBackward(dout.Span, dx.Span, g, from, to);
    }
}
