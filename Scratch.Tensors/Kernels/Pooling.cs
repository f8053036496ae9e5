using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    /// <summary>Whether 2×2, stride-2 max pooling runs <see cref="MaxPooling2x2Avx512"/> (where AVX-512F is present; tests switch it off to check the Vector256 path).</summary>
    internal static bool UseAvx512 { get; set; } = Avx512F.IsSupported;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxForward(ReadOnlySpan<float> x, Span<float> y, Span<int> argMax, PoolShape g, int from, int to)
    {
        if (g is { PoolH: 2, PoolW: 2, Stride: 2, Pad: 0 })
        {
            MaxForward2x2(x, y, argMax, g, from, to);
            return;
        }
        int oh = g.OH, ow = g.OW, plane = g.H * g.W;
        CheckLengths("MaxForward", x.Length, (long)to * plane, y.Length, argMax.Length, (long)to * oh * ow);
        if (Avx2.IsSupported && ow >= 8)
        {
            // 8 windows of a row at a time; the last 1-7 of a row as a block overlapping the one before.
            for (int p = from; p < to; p++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0, o = (p * oh + i) * ow; j < ow; j += 8)
                    {
                        int block = Math.Min(j, ow - 8);
                        Vector256<int> lefts = Vector256.Create(block * g.Stride - g.Pad) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * g.Stride;
                        Max8Windows(x, p * plane, Vector256.Create(i * g.Stride - g.Pad), lefts, g, y.Slice(o + block, 8), argMax.Slice(o + block, 8));
                    }
            return;
        }
        int outPlane = oh * ow;
        if (Avx2.IsSupported && outPlane >= 8)
        {
            // Rows narrower than 8 windows: 8 windows of the plane at a time in output order, across rows, the last block
            // overlapping the one before.
            Span<int> tops = stackalloc int[8], lefts = stackalloc int[8];
            for (int p = from; p < to; p++)
                for (int k = 0; k < outPlane; k += 8)
                {
                    int block = Math.Min(k, outPlane - 8);
                    for (int lane = 0; lane < 8; lane++)
                    {
                        (int i, int j) = Math.DivRem(block + lane, ow);
                        (tops[lane], lefts[lane]) = (i * g.Stride - g.Pad, j * g.Stride - g.Pad);
                    }
                    int o = p * outPlane + block;
                    Max8Windows(x, p * plane, Vector256.Create<int>(tops), Vector256.Create<int>(lefts), g, y.Slice(o, 8), argMax.Slice(o, 8));
                }
            return;
        }
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

    /// <summary>
    /// The max and its index over 8 windows of the plane at <paramref name="planeStart"/>, lane l's window with its top-left
    /// corner at row <c>tops[l]</c> and column <c>lefts[l]</c> (negative in the padding): each window element read for the 8 at
    /// once (a load where the 8 windows are neighbours with stride 1 inside the image, else a gather, masked where a window
    /// reaches into the padding, which reads 0 at index −1), with the rule of <see cref="Consider"/> lane by lane. AVX2.
    /// </summary>
    /// <remarks>
    /// The scalar loop's data-dependent branch mispredicts on random data, about 6 ns per element read. Measured on the
    /// 2-core Intel Xeon (family 6, model 207), one thread, scalar loop against this: 100 images of 30 maps of 24×24 with
    /// 5×5 windows, stride 1 and pad 2, 141.5 against 17-27 ms; 8 images of 3 × 112×112, 3×3 stride 2 pad 1, 3.11 against
    /// 0.27-0.41 ms; 100 of 16 × 28×28, 2×2 stride 1, 27.1 against 2.4-4.0 ms; rows narrower than 8 windows, 100 of
    /// 64 × 8×8 with 2×2 stride 1, 7.9 against 2.3 ms, and one of 512 × 14×14 with 3×3 stride 2 pad 1, 1.22 against 0.25 ms.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Max8Windows(ReadOnlySpan<float> x, int planeStart, Vector256<int> tops, Vector256<int> lefts, PoolShape g, Span<float> y, Span<int> argMax)
    {
        // The 8 windows are one row's neighbours inside the image: each element is 8 floats Stride apart.
        Vector256<int> lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * g.Stride;
        int top = tops.ToScalar(), left = lefts.ToScalar();
        bool neighbours = tops == Vector256.Create(top) && lefts == Vector256.Create(left) + lanes;
        bool inside = neighbours && top >= 0 && top + g.PoolH <= g.H && left >= 0 && left + 7 * g.Stride + g.PoolW <= g.W;
        Vector256<float> best = default;
        Vector256<int> bestAt = default;
        fixed (float* px = x)
        {
            for (int yy = 0; yy < g.PoolH; yy++)
                for (int xx = 0; xx < g.PoolW; xx++)
                {
                    Vector256<int> at;
                    Vector256<float> v;
                    if (inside)
                    {
                        int first = planeStart + (top + yy) * g.W + left + xx;
                        at = Vector256.Create(first) + lanes;
                        v = g.Stride == 1 ? Vector256.Load(px + first) : Avx2.GatherVector256(px, at, sizeof(float));
                    }
                    else
                    {
                        Vector256<int> row = tops + Vector256.Create(yy), column = lefts + Vector256.Create(xx);
                        Vector256<int> within = (Vector256.LessThan(row.AsUInt32(), Vector256.Create((uint)g.H))
                            & Vector256.LessThan(column.AsUInt32(), Vector256.Create((uint)g.W))).AsInt32();
                        at = Vector256.ConditionalSelect(within, Vector256.Create(planeStart) + row * g.W + column, Vector256<int>.AllBitsSet);
                        v = Avx2.GatherMaskVector256(Vector256<float>.Zero, px, at, within.AsSingle(), sizeof(float));
                    }
                    if (yy == 0 && xx == 0)
                    {
                        (best, bestAt) = (v, at);
                        continue;
                    }
                    // v > best, or v is the first NaN: NaN ≠ NaN, so ~(v == v) marks a NaN and (best == best) a number.
                    Vector256<float> take = Vector256.GreaterThan(v, best) | Vector256.AndNot(Vector256.Equals(best, best), Vector256.Equals(v, v));
                    best = Vector256.ConditionalSelect(take, v, best);
                    bestAt = Vector256.ConditionalSelect(take.AsInt32(), at, bestAt);
                }
        }
        best.CopyTo(y);
        bestAt.CopyTo(argMax);
    }

    /// <summary>Throws unless the input side holds <paramref name="planesNeeded"/> floats and the output and argmax <paramref name="outputNeeded"/> each.</summary>
    internal static void CheckLengths(string operation, int planesLength, long planesNeeded, int outputLength, int argMaxLength, long outputNeeded)
    {
        if (planesLength < planesNeeded || outputLength < outputNeeded || argMaxLength < outputNeeded)
            throw new ArgumentException($"Pooling.{operation}: spans too short for the planes asked: input side {planesLength} of {planesNeeded}, output {outputLength} and argmax {argMaxLength} of {outputNeeded}.");
    }

    /// <summary>
    /// The book's 2×2 pooling with stride 2 and no padding: each output row from a pair of input rows, 8 then 4 windows
    /// at a time in vectors (the last 1-3 windows of a row as a block overlapping the one before, rather than in scalar
    /// code), scalar only for rows narrower than 4 windows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxForward2x2(ReadOnlySpan<float> x, Span<float> y, Span<int> argMax, PoolShape g, int from, int to)
    {
        if (UseAvx512 && Avx512F.IsSupported)
        {
            MaxPooling2x2Avx512.Forward(x, y, argMax, g, from, to);
            return;
        }
        int oh = g.OH, ow = g.OW, w = g.W, plane = g.H * g.W;
        for (int p = from; p < to; p++)
            for (int i = 0; i < oh; i++)
            {
                int row = p * plane + 2 * i * w, o = (p * oh + i) * ow;
                int j = 0;
                if (Vector256.IsHardwareAccelerated)
                    for (; j + 8 <= ow; j += 8)
                        MaxOf8Windows(x, row + 2 * j, w, y.Slice(o + j), argMax.Slice(o + j));
                if (Vector128.IsHardwareAccelerated && ow >= 4)
                {
                    for (; j + 4 <= ow; j += 4)
                        MaxOf4Windows(x, row + 2 * j, w, y.Slice(o + j), argMax.Slice(o + j));
                    if (j < ow)                                  // the last 1-3 windows: a block overlapping the one before
                        MaxOf4Windows(x, row + 2 * (ow - 4), w, y.Slice(o + ow - 4), argMax.Slice(o + ow - 4));
                    j = ow;
                }
                for (; j < ow; j++)
                {
                    int at = row + 2 * j, bestAt = at;
                    float best = x[at];
                    Consider(x[at + 1], at + 1, ref best, ref bestAt);
                    Consider(x[at + w], at + w, ref best, ref bestAt);
                    Consider(x[at + w + 1], at + w + 1, ref best, ref bestAt);
                    y[o + j] = best;
                    argMax[o + j] = bestAt;
                }
            }
    }

    /// <summary>Eight neighbouring 2×2 windows whose top-left corners are x[at], x[at + 2], …: the max of each and where it was.</summary>
    /// <remarks>
    /// The four candidates of a window are compared as a tournament, (top-left vs top-right) against (bottom-left vs
    /// bottom-right), each match won by the later one only if it is greater or the first NaN: the same winner as comparing them in
    /// (y, x) order, because both keep the first occurrence of the maximum (NaN counting as the largest).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaxOf8Windows(ReadOnlySpan<float> x, int at, int w, Span<float> y, Span<int> argMax)
    {
        var (topLeft, topRight) = Deinterleave(Vector256.Create(x.Slice(at, 8)), Vector256.Create(x.Slice(at + 8, 8)));        // x[at + 2j], x[at + 2j + 1]
        var (bottomLeft, bottomRight) = Deinterleave(Vector256.Create(x.Slice(at + w, 8)), Vector256.Create(x.Slice(at + w + 8, 8)));
        Vector256<int> atTopLeft = Vector256.Create(at) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14), atBottomLeft = atTopLeft + Vector256.Create(w);
        var (top, atTop) = Match(topLeft, atTopLeft, topRight, atTopLeft + Vector256<int>.One);
        var (bottom, atBottom) = Match(bottomLeft, atBottomLeft, bottomRight, atBottomLeft + Vector256<int>.One);
        var (best, atBest) = Match(top, atTop, bottom, atBottom);
        best.CopyTo(y);
        atBest.CopyTo(argMax);
    }

    /// <summary>16 floats (two vectors) as their 8 even-indexed and 8 odd-indexed elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Even, Vector256<float> Odd) Deinterleave(Vector256<float> low, Vector256<float> high)
    {
        low = Vector256.Shuffle(low, Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7));
        high = Vector256.Shuffle(high, Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7));
        return (Vector256.Create(low.GetLower(), high.GetLower()), Vector256.Create(low.GetUpper(), high.GetUpper()));
    }

    /// <summary>The winner of each lane: <paramref name="second"/> where it beats <paramref name="first"/>, else <paramref name="first"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Best, Vector256<int> At) Match(Vector256<float> first, Vector256<int> atFirst, Vector256<float> second, Vector256<int> atSecond)
    {
        Vector256<float> beats = Vector256.GreaterThan(second, first)
            | Vector256.AndNot(Vector256.Equals(first, first), Vector256.Equals(second, second));   // second is the first NaN
        return (Vector256.ConditionalSelect(beats, second, first), Vector256.ConditionalSelect(beats.AsInt32(), atSecond, atFirst));
    }

    /// <summary><see cref="MaxOf8Windows"/> for four windows, on 128-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaxOf4Windows(ReadOnlySpan<float> x, int at, int w, Span<float> y, Span<int> argMax)
    {
        var (topLeft, topRight) = Deinterleave(Vector128.Create(x.Slice(at, 4)), Vector128.Create(x.Slice(at + 4, 4)));
        var (bottomLeft, bottomRight) = Deinterleave(Vector128.Create(x.Slice(at + w, 4)), Vector128.Create(x.Slice(at + w + 4, 4)));
        Vector128<int> atTopLeft = Vector128.Create(at) + Vector128.Create(0, 2, 4, 6), atBottomLeft = atTopLeft + Vector128.Create(w);
        var (top, atTop) = Match(topLeft, atTopLeft, topRight, atTopLeft + Vector128<int>.One);
        var (bottom, atBottom) = Match(bottomLeft, atBottomLeft, bottomRight, atBottomLeft + Vector128<int>.One);
        var (best, atBest) = Match(top, atTop, bottom, atBottom);
        best.CopyTo(y);
        atBest.CopyTo(argMax);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Even, Vector128<float> Odd) Deinterleave(Vector128<float> low, Vector128<float> high)
    {
        low = Vector128.Shuffle(low, Vector128.Create(0, 2, 1, 3));
        high = Vector128.Shuffle(high, Vector128.Create(0, 2, 1, 3));
        return (Vector128.Create(low.GetLower(), high.GetLower()), Vector128.Create(low.GetUpper(), high.GetUpper()));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Best, Vector128<int> At) Match(Vector128<float> first, Vector128<int> atFirst, Vector128<float> second, Vector128<int> atSecond)
    {
        Vector128<float> beats = Vector128.GreaterThan(second, first)
            | Vector128.AndNot(Vector128.Equals(first, first), Vector128.Equals(second, second));
        return (Vector128.ConditionalSelect(beats, second, first), Vector128.ConditionalSelect(beats.AsInt32(), atSecond, atFirst));
    }

    /// <summary>np.argmax's rule: a later element wins only if strictly greater, or if it is the first NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

    /// <summary>Max-pooling backward of planes [from, to) on this thread (for 2×2 windows with stride 2, argMax must come from MaxForward).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxBackward(ReadOnlySpan<float> dout, ReadOnlySpan<int> argMax, Span<float> dx, PoolShape g, int from, int to)
    {
        if (g is { PoolH: 2, PoolW: 2, Stride: 2, Pad: 0 })
        {
            MaxBackward2x2(dout, argMax, dx, g, from, to);
            return;
        }
        int plane = g.H * g.W, outPlane = g.OH * g.OW;
        dx.Slice(from * plane, (to - from) * plane).Clear();
        for (int o = from * outPlane; o < to * outPlane; o++)
        {
            int at = argMax[o];
            if (at >= 0) dx[at] += dout[o];
        }
    }

    /// <summary>
    /// 2×2 windows with stride 2 do not overlap, so dx is written once, window by window (dout where the max was, 0 at
    /// the three others), 8 or 4 windows at a time as in <see cref="MaxForward2x2"/>, instead of cleared and scattered
    /// into; the last column and row that no window covers (odd W or H) are cleared. argMax must hold what
    /// <see cref="MaxForward(ReadOnlySpan{float}, Span{float}, Span{int}, PoolShape, int, int)"/> recorded: an index inside its own window.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxBackward2x2(ReadOnlySpan<float> dout, ReadOnlySpan<int> argMax, Span<float> dx, PoolShape g, int from, int to)
    {
        if (UseAvx512 && Avx512F.IsSupported)
        {
            MaxPooling2x2Avx512.Backward(dout, argMax, dx, g, from, to);
            return;
        }
        int oh = g.OH, ow = g.OW, w = g.W, plane = g.H * g.W;
        for (int p = from; p < to; p++)
        {
            for (int i = 0; i < oh; i++)
            {
                int row = p * plane + 2 * i * w, o = (p * oh + i) * ow;
                int j = 0;
                if (Vector256.IsHardwareAccelerated)
                    for (; j + 8 <= ow; j += 8)
                        Spread8Windows(dout.Slice(o + j), argMax.Slice(o + j), row + 2 * j, w, dx);
                if (Vector128.IsHardwareAccelerated && ow >= 4)
                {
                    for (; j + 4 <= ow; j += 4)
                        Spread4Windows(dout.Slice(o + j), argMax.Slice(o + j), row + 2 * j, w, dx);
                    if (j < ow)                                  // the last 1-3 windows: a block overlapping the one before
                        Spread4Windows(dout.Slice(o + ow - 4), argMax.Slice(o + ow - 4), row + 2 * (ow - 4), w, dx);
                    j = ow;
                }
                for (; j < ow; j++)
                {
                    int at = row + 2 * j, max = argMax[o + j];
                    float d = dout[o + j];
                    dx[at] = max == at ? d : 0f;
                    dx[at + 1] = max == at + 1 ? d : 0f;
                    dx[at + w] = max == at + w ? d : 0f;
                    dx[at + w + 1] = max == at + w + 1 ? d : 0f;
                }
                if (w % 2 == 1)
                    dx[row + w - 1] = dx[row + 2 * w - 1] = 0f;
            }
            if (g.H % 2 == 1)
                dx.Slice(p * plane + (g.H - 1) * w, w).Clear();
        }
    }

    /// <summary>dx of eight neighbouring 2×2 windows whose top-left corners are dx[at], dx[at + 2], …: dout where argMax points, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Spread8Windows(ReadOnlySpan<float> dout, ReadOnlySpan<int> argMax, int at, int w, Span<float> dx)
    {
        Vector256<float> d = Vector256.Create(dout[..8]);
        Vector256<int> max = Vector256.Create(argMax[..8]), atTopLeft = Vector256.Create(at) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14), atBottomLeft = atTopLeft + Vector256.Create(w);
        var (low, high) = Interleave(d & Vector256.Equals(max, atTopLeft).AsSingle(), d & Vector256.Equals(max, atTopLeft + Vector256<int>.One).AsSingle());
        low.CopyTo(dx.Slice(at, 8));
        high.CopyTo(dx.Slice(at + 8, 8));
        (low, high) = Interleave(d & Vector256.Equals(max, atBottomLeft).AsSingle(), d & Vector256.Equals(max, atBottomLeft + Vector256<int>.One).AsSingle());
        low.CopyTo(dx.Slice(at + w, 8));
        high.CopyTo(dx.Slice(at + w + 8, 8));
    }

    /// <summary>The inverse of <see cref="Deinterleave(Vector256{float}, Vector256{float})"/>: even and odd elements back into 16 floats in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Low, Vector256<float> High) Interleave(Vector256<float> even, Vector256<float> odd)
    {
        Vector256<float> low = Vector256.Create(even.GetLower(), odd.GetLower()), high = Vector256.Create(even.GetUpper(), odd.GetUpper());
        return (Vector256.Shuffle(low, Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)), Vector256.Shuffle(high, Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)));
    }

    /// <summary><see cref="Spread8Windows"/> for four windows, on 128-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Spread4Windows(ReadOnlySpan<float> dout, ReadOnlySpan<int> argMax, int at, int w, Span<float> dx)
    {
        Vector128<float> d = Vector128.Create(dout[..4]);
        Vector128<int> max = Vector128.Create(argMax[..4]), atTopLeft = Vector128.Create(at) + Vector128.Create(0, 2, 4, 6), atBottomLeft = atTopLeft + Vector128.Create(w);
        var (low, high) = Interleave(d & Vector128.Equals(max, atTopLeft).AsSingle(), d & Vector128.Equals(max, atTopLeft + Vector128<int>.One).AsSingle());
        low.CopyTo(dx.Slice(at, 4));
        high.CopyTo(dx.Slice(at + 4, 4));
        (low, high) = Interleave(d & Vector128.Equals(max, atBottomLeft).AsSingle(), d & Vector128.Equals(max, atBottomLeft + Vector128<int>.One).AsSingle());
        low.CopyTo(dx.Slice(at + w, 4));
        high.CopyTo(dx.Slice(at + w + 4, 4));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<float> Low, Vector128<float> High) Interleave(Vector128<float> even, Vector128<float> odd) =>
        (Vector128.Shuffle(Vector128.Create(even.GetLower(), odd.GetLower()), Vector128.Create(0, 2, 1, 3)),
         Vector128.Shuffle(Vector128.Create(even.GetUpper(), odd.GetUpper()), Vector128.Create(0, 2, 1, 3)));

    /// <summary>Average pooling of planes [from, to) on this thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
