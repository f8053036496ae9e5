using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// <see cref="ConvolutionLayout.Fold"/> for stride 1 on AVX-512, gathered per input pixel instead of scattered per tap:
/// <c>dx[c, iy, ix] = Σ_(fy, fx) cols[(c, fy, fx), (iy − fy + pad)·OW + ix − fx + pad]</c> over the taps whose output
/// pixel exists, 16 neighbouring ix at a time in a register. The taps are added in the same order as the scatter
/// (fy, then fx, starting from 0), so the sums are bit for bit the same, but each element of dx is stored once rather
/// than loaded and stored once per tap (9 times for 3×3 filters). A tap's lanes whose output pixel falls outside the
/// map are masked off, so no load reaches past a row of cols.
/// </summary>
internal static unsafe class FoldAvx512
{
    /// <summary>Whether this machine and geometry can use it (stride 1, and at most 64 masks of (fx, 16-column segment) on the stack).</summary>
    public static bool Supports(ConvShape g) => Avx512F.IsSupported && g.Stride == 1 && g.FW * Segments(g.W) <= MaxMasks;

    private const int MaxMasks = 64;

    private static int Segments(int width) => (width + 15) / 16;

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
        Vector512<int> lane = Vector512.CreateSequence(0, 1);
        for (int s = 0; s < segments; s++)
        {
            Vector512<int> ix = lane + Vector512.Create(16 * s);
            inside[s] = Vector512.LessThan(ix, Vector512.Create(g.W)).AsSingle();
            for (int fx = 0; fx < g.FW; fx++)
                reads[fx * segments + s] = inside[s] & Vector512.LessThan((ix - Vector512.Create(fx - g.Pad)).AsUInt32(), Vector512.Create((uint)ow)).AsSingle();
        }
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
}
