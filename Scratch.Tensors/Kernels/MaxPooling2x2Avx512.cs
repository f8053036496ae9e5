using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// <see cref="Pooling"/>'s 2×2, stride-2 max pooling on AVX-512: 16 windows per step, each input row read as two
/// 16-float vectors and split into its even and odd columns by one two-table permute each. The last step of a row is
/// masked to the windows left, so a row of any width runs in vectors (the book's 12- and 14-window rows in one step
/// instead of an 8-, a 4- and a scalar one) and no load or store reaches past the row.
/// </summary>
/// <remarks>Same results as the Vector256 path: the same tournament picks the same argmax, NaN and ties included.</remarks>
internal static unsafe class MaxPooling2x2Avx512
{
    /// <summary>Max and argmax of the windows of planes [from, to).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<int> argMax, PoolShape g, int from, int to)
    {
        int oh = g.OH, ow = g.OW, w = g.W, plane = g.H * g.W;
        Pooling.CheckLengths("MaxForward", x.Length, (long)to * plane, y.Length, argMax.Length, (long)to * oh * ow);
        Vector512<int> even = Vector512.CreateSequence(0, 2), odd = even + Vector512<int>.One;
        fixed (float* px = x, py = y)
        fixed (int* pm = argMax)
        {
            for (int p = from; p < to; p++)
                for (int i = 0; i < oh; i++)
                {
                    int row = p * plane + 2 * i * w, o = (p * oh + i) * ow;
                    for (int j = 0; j < ow; j += 16)
                    {
                        var (outputs, low, high) = Masks(ow - j);
                        int at = row + 2 * j;
                        float* top = px + at, bottom = top + w;
                        Vector512<float> top0 = Avx512F.MaskLoad(top, low, default), top1 = Avx512F.MaskLoad(top + 16, high, default);
                        Vector512<float> bottom0 = Avx512F.MaskLoad(bottom, low, default), bottom1 = Avx512F.MaskLoad(bottom + 16, high, default);
                        Vector512<int> atTopLeft = Vector512.Create(at) + even, atBottomLeft = atTopLeft + Vector512.Create(w);
                        var (best, atBest) = Match(
                            Match(Avx512F.PermuteVar16x32x2(top0, even, top1), atTopLeft, Avx512F.PermuteVar16x32x2(top0, odd, top1), atTopLeft + Vector512<int>.One),
                            Match(Avx512F.PermuteVar16x32x2(bottom0, even, bottom1), atBottomLeft, Avx512F.PermuteVar16x32x2(bottom0, odd, bottom1), atBottomLeft + Vector512<int>.One));
                        Avx512F.MaskStore(py + o + j, outputs, best);
                        Avx512F.MaskStore(pm + o + j, outputs.AsInt32(), atBest);
                    }
                }
        }
    }

    /// <summary>dx of the windows of planes [from, to): dout where argMax points, 0 at the three other elements; the column and row no window covers (odd W or H) are cleared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> dout, ReadOnlySpan<int> argMax, Span<float> dx, PoolShape g, int from, int to)
    {
        int oh = g.OH, ow = g.OW, w = g.W, plane = g.H * g.W;
        Pooling.CheckLengths("MaxBackward", dx.Length, (long)to * plane, dout.Length, argMax.Length, (long)to * oh * ow);
        Vector512<int> even = Vector512.CreateSequence(0, 2);
        Vector512<int> firstHalf = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);   // even[k], odd[k] for k < 8
        Vector512<int> secondHalf = firstHalf + Vector512.Create(8);                                              // … for 8 ≤ k < 16
        fixed (float* pd = dout, px = dx)
        fixed (int* pm = argMax)
        {
            for (int p = from; p < to; p++)
            {
                for (int i = 0; i < oh; i++)
                {
                    int row = p * plane + 2 * i * w, o = (p * oh + i) * ow;
                    for (int j = 0; j < ow; j += 16)
                    {
                        var (outputs, low, high) = Masks(ow - j, w - 2 * ow);   // the last step also clears an uncovered last column (its d lane is 0)
                        int at = row + 2 * j;
                        Vector512<float> d = Avx512F.MaskLoad(pd + o + j, outputs, default);
                        Vector512<int> max = Avx512F.MaskLoad(pm + o + j, outputs.AsInt32(), default);
                        Vector512<int> atTopLeft = Vector512.Create(at) + even, atBottomLeft = atTopLeft + Vector512.Create(w);
                        Vector512<float> topLeft = d & Vector512.Equals(max, atTopLeft).AsSingle(), topRight = d & Vector512.Equals(max, atTopLeft + Vector512<int>.One).AsSingle();
                        Vector512<float> bottomLeft = d & Vector512.Equals(max, atBottomLeft).AsSingle(), bottomRight = d & Vector512.Equals(max, atBottomLeft + Vector512<int>.One).AsSingle();
                        float* top = px + at, bottom = top + w;
                        Avx512F.MaskStore(top, low, Avx512F.PermuteVar16x32x2(topLeft, firstHalf, topRight));
                        Avx512F.MaskStore(top + 16, high, Avx512F.PermuteVar16x32x2(topLeft, secondHalf, topRight));
                        Avx512F.MaskStore(bottom, low, Avx512F.PermuteVar16x32x2(bottomLeft, firstHalf, bottomRight));
                        Avx512F.MaskStore(bottom + 16, high, Avx512F.PermuteVar16x32x2(bottomLeft, secondHalf, bottomRight));
                    }
                    if (w % 2 == 1 && ow % 16 == 0)                          // a full last step has no lane for the uncovered column
                        px[row + w - 1] = px[row + 2 * w - 1] = 0f;
                }
                if (g.H % 2 == 1)                                            // the uncovered last row, by masked stores too (Span.Clear here took 4× the whole pass)
                    for (int c = 0; c < w; c += 16)
                        Avx512F.MaskStore(px + p * plane + (g.H - 1) * w + c, Vector512.LessThan(Vector512.CreateSequence(0, 1), Vector512.Create(w - c)).AsSingle(), default);
            }
        }
    }

    /// <summary>
    /// For a step with <paramref name="windows"/> windows left in the row (16 or more: a full step): the lanes of its
    /// outputs, and of its two vectors per input row, these widened by <paramref name="extraColumns"/> (0 or 1) on a last step of fewer than 16 windows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Outputs, Vector512<float> Low, Vector512<float> High) Masks(int windows, int extraColumns = 0)
    {
        Vector512<int> lane = Vector512.CreateSequence(0, 1);
        int columns = windows >= 16 ? 32 : 2 * windows + extraColumns;
        return (Vector512.LessThan(lane, Vector512.Create(windows)).AsSingle(),
                Vector512.LessThan(lane, Vector512.Create(columns)).AsSingle(),
                Vector512.LessThan(lane, Vector512.Create(columns - 16)).AsSingle());
    }

    /// <summary>The winner of each lane: <paramref name="second"/> where it is greater or the first NaN, else <paramref name="first"/> (np.argmax's rule).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Best, Vector512<int> At) Match(Vector512<float> first, Vector512<int> atFirst, Vector512<float> second, Vector512<int> atSecond)
    {
        Vector512<float> beats = Vector512.GreaterThan(second, first)
            | Vector512.AndNot(Vector512.Equals(first, first), Vector512.Equals(second, second));   // second is the first NaN
        return (Vector512.ConditionalSelect(beats, second, first), Vector512.ConditionalSelect(beats.AsInt32(), atSecond, atFirst));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Best, Vector512<int> At) Match((Vector512<float> Best, Vector512<int> At) first, (Vector512<float> Best, Vector512<int> At) second) =>
        Match(first.Best, first.At, second.Best, second.At);
}
