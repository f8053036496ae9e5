using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// <see cref="ConvolutionLayout.Unfold"/> and <see cref="ConvolutionLayout.Fold"/> for stride 1 on AVX-512, a row of 16
/// output or input columns per masked vector. Unfold: each row of a tap's map is one masked load (the lanes whose input
/// column is padding read nothing and get 0) and one masked store, so no separate pass clears the padding columns; without
/// padding, all rows but a map's last are plain loads and stores (SimpleConvNet's 5×5 unfold of a batch, one core: 0.69× the time of
/// the scalar path in the same run, where the masked rows had been even with it).
/// Fold is gathered per input pixel instead of scattered per tap:
/// <c>dx[c, iy, ix] = Σ_(fy, fx) cols[(c, fy, fx), (iy − fy + pad)·OW + ix − fx + pad]</c> over the taps whose output
/// pixel exists, 16 neighbouring ix at a time in a register. The taps are added in the same order as the scatter
/// (fy, then fx, starting from 0), so the sums are bit for bit the same, but each element of dx is stored once rather
/// than loaded and stored once per tap (9 times for 3×3 filters). A tap's lanes whose output pixel falls outside the
/// map are masked off, so no load reaches past a row of cols.
/// </summary>
internal static unsafe class ColumnsAvx512
{
    /// <summary>Whether this machine and geometry can use them (stride 1, and at most 64 masks of (fx, 16-column segment) on the stack).</summary>
    public static bool Supports(ConvShape g) => Avx512F.IsSupported && g.Stride == 1 && g.FW * Segments(Math.Max(g.W, g.OW)) <= MaxMasks;

    private const int MaxMasks = 64;

    private static int Segments(int width) => (width + 15) / 16;

    /// <summary>Images [from, to): their columns of cols (K, N·P) from x (N, C, H, W), every element written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unfold(ReadOnlySpan<float> x, Span<float> cols, ConvShape g, int from, int to)
    {
        int oh = g.OH, ow = g.OW, plane = g.H * g.W, pixels = oh * ow, columns = g.Columns, segments = Segments(ow);
        if (cols.Length < (long)g.K * columns || x.Length < (long)to * g.C * plane)
            throw new ArgumentException($"ConvolutionLayout.Unfold: x ({x.Length}) or cols ({cols.Length}) too short for {g}.");
        // For tap column fx and segment s of an output row (ox = 16s + l): the lanes in the row whose input column ox + fx − pad is inside.
        Vector512<float>* reads = stackalloc Vector512<float>[g.FW * segments];
        Vector512<float>* inRow = stackalloc Vector512<float>[segments];
        ColumnMasks(segments, ow, g.W, g.FW, g.Pad, toInput: true, inRow, reads);
        // Without padding, every lane of a row that is stored reads inside the image, and the lanes past OW read on into the
        // next row: the loads need no mask while the vector ends inside x. A row's stores need none either (OW ≥ 16, so
        // the lanes past OW fall in the next row of the same map, written next), except in a map's last row.
        bool plainRows = g.Pad == 0 && ow >= 16;
        fixed (float* px = x, pCols = cols)
        {
            float* xEnd = px + x.Length;
            for (int n = from; n < to; n++)
            {
                float* tap = pCols + n * pixels;                                          // row (0, 0, 0) of cols, at image n
                for (int c = 0; c < g.C; c++)
                {
                    float* channel = px + (n * g.C + c) * plane;
                    for (int fy = 0; fy < g.FH; fy++)
                        for (int fx = 0; fx < g.FW; fx++, tap += columns)
                            for (int oy = 0; oy < oh; oy++)
                            {
                                int iy = oy + fy - g.Pad;
                                float* source = channel + iy * g.W + fx - g.Pad, target = tap + oy * ow;   // + ox
                                bool inside = (uint)iy < (uint)g.H;
                                if (plainRows && oy < oh - 1 && source + 16 * segments <= xEnd)
                                    for (int s = 0; s < segments; s++)
                                        Vector512.Store(Vector512.Load(source + 16 * s), target + 16 * s);
                                else
                                    for (int s = 0; s < segments; s++)
                                        Avx512F.MaskStore(target + 16 * s, inRow[s],
                                            inside ? Avx512F.MaskLoad(source + 16 * s, reads[fx * segments + s], default) : default);
                            }
                }
            }
        }
    }

    /// <summary>Images [from, to): dx (N, C, H, W) from cols (K, N·P), every element of their planes written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fold(ReadOnlySpan<float> cols, Span<float> dx, ConvShape g, int from, int to)
    {
        int oh = g.OH, ow = g.OW, plane = g.H * g.W, pixels = oh * ow, columns = g.Columns, segments = Segments(g.W), taps = g.FH * g.FW;
        if (cols.Length < (long)g.K * columns || dx.Length < (long)to * g.C * plane)
            throw new ArgumentException($"ConvolutionLayout.Fold: cols ({cols.Length}) or dx ({dx.Length}) too short for {g}.");
        // For tap column fx and segment s: the lanes (input columns ix = 16s + l) inside the image whose output column ix − fx + pad exists.
        Vector512<float>* reads = stackalloc Vector512<float>[g.FW * segments];
        Vector512<float>* inside = stackalloc Vector512<float>[segments];
        ColumnMasks(segments, g.W, ow, g.FW, g.Pad, toInput: false, inside, reads);
        fixed (float* pCols = cols, pDx = dx)
        {
            for (int n = from; n < to; n++)
                for (int c = 0; c < g.C; c++)
                {
                    float* target = pDx + (n * g.C + c) * plane;
                    float* tapsOfChannel = pCols + (long)c * taps * columns + n * pixels;   // row (c, 0, 0) of cols, at image n
                    for (int iy = 0; iy < g.H; iy++)
                        for (int s = 0; s < segments; s++)
                        {
                            int ix0 = 16 * s;
                            Vector512<float> sum = default;
                            for (int fy = 0; fy < g.FH; fy++)
                            {
                                int oy = iy - fy + g.Pad;
                                if ((uint)oy >= (uint)oh) continue;
                                float* row = tapsOfChannel + (long)fy * g.FW * columns + oy * ow + ix0 + g.Pad;   // tap (fy, 0) at output (oy, ix0 + pad)
                                for (int fx = 0; fx < g.FW; fx++, row += columns - 1)
                                    sum += Avx512F.MaskLoad(row, reads[fx * segments + s], default);          // tap (fy, fx) at output column ix − fx + pad
                            }
                            Avx512F.MaskStore(target + iy * g.W + ix0, inside[s], sum);
                        }
                }
        }
    }

    /// <summary>
    /// For each 16-column segment s of a row of <paramref name="width"/> columns: <c>valid[s]</c>, the lanes inside the row,
    /// and <c>reads[fx·segments + s]</c>, those whose column moved by tap column fx also lies in [0, <paramref name="otherWidth"/>):
    /// an output column's input column is <c>ox + fx − pad</c> (<paramref name="toInput"/>), an input column's output column <c>ix − fx + pad</c>.
    /// </summary>
    private static void ColumnMasks(int segments, int width, int otherWidth, int fw, int pad, bool toInput, Vector512<float>* valid, Vector512<float>* reads)
    {
        Vector512<int> lane = Vector512.CreateSequence(0, 1);
        for (int s = 0; s < segments; s++)
        {
            Vector512<int> column = lane + Vector512.Create(16 * s);
            valid[s] = Vector512.LessThan(column, Vector512.Create(width)).AsSingle();
            for (int fx = 0; fx < fw; fx++)
                reads[fx * segments + s] = valid[s] & Vector512.LessThan((column + Vector512.Create(toInput ? fx - pad : pad - fx)).AsUInt32(), Vector512.Create((uint)otherWidth)).AsSingle();
        }
    }
}
