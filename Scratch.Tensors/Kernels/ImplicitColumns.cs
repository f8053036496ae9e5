using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// A convolution's column matrix <c>cols</c> (K, N·P) (see <see cref="ConvolutionLayout.Unfold"/>) as <see cref="GemmBlocked"/>'s
/// B (the forward pass, <see cref="PackSliver"/>) or A (dW, <see cref="PackRows"/>), packed straight from the image into the
/// micro-kernel's slivers: an implicit GEMM, which never writes cols out and reads it back to pack it.
/// </summary>
/// <remarks>
/// For stride 1, where tap (c, fy, fx) at output pixel (oy, ox) of an image reads its channel c at
/// <c>(oy + fy − pad)·W + ox + fx − pad</c>, or a padding 0: neighbouring columns of one output row read neighbouring
/// floats. A sliver's row (one tap, 32 columns) is then one masked Vector512 load per half, more where the half
/// crosses into another output row (unless OW = W, a "same" convolution, where rows follow on) or image; the mask drops
/// the pixels whose tap falls in the padding, and the lanes past the last column. AVX-512 only: the slivers of the
/// 8×32 tile (<see cref="GemmMicroKernel512"/>).
/// </remarks>
internal readonly unsafe struct ImplicitColumns(float* x, ConvShape g)
{
    /// <summary>
    /// Whether this machine and geometry can use it, and gain: a sliver's set-up (where its 32 columns are, which taps read
    /// padding) costs about as much as packing a few dozen of its rows, so short columns are unfolded as before (forward
    /// passes of batch 100 on 28×28, one core: K = 9, 25 and 36 took 1.4–2.2 ms against 0.6–1.6 unfolded; K = 144 broke
    /// even, and the deeper layers gained 25–30 %); filters of more than 64 taps would need more set-up than the stack holds.
    /// </summary>
    public static bool Supports(ConvShape g) => Avx512F.IsSupported && g.Stride == 1 && g.K >= 64 && g.FH * g.FW <= MaxTaps;

    private const int MaxTaps = 64;

    /// <summary>Rows [pc, pc + kc) and columns [j0, j0 + nr) of cols into a (kc, 32) p-major sliver; columns past nr are 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PackSliver(int pc, int kc, int j0, int nr, float* dst)
    {
        // Per column l of the sliver: its output row and column, and where tap (pad, pad) reads it in x (image·C·plane + row·W + column).
        int plane = g.H * g.W, pixels = g.P, outWidth = g.OW;                      // OH, OW and P are computed properties: read once
        int* oy = stackalloc int[32], ox = stackalloc int[32], at = stackalloc int[32];
        int q = j0 % pixels, row = q / outWidth, column = q % outWidth, imageStart = j0 / pixels * g.C * plane;   // column j0, then counted up
        for (int l = 0; l < 32; l++)
        {
            if (l < nr)
                (oy[l], ox[l], at[l]) = (row, column, imageStart + row * g.W + column);
            else
                (oy[l], ox[l], at[l]) = (int.MinValue / 2, 0, at[l - 1] + 1);    // past the last column: never inside, so never read
            if (++q == pixels)
                (q, row, column, imageStart) = (0, 0, 0, imageStart + g.C * plane);
            else if (++column == outWidth)
                (row, column) = (row + 1, 0);
        }
        // Per filter tap (fy, fx): its shift in x, and which columns of each half read inside the image; the same for every channel.
        int taps = g.FH * g.FW;
        int* shift = stackalloc int[taps];
        Vector512<float>* inside = stackalloc Vector512<float>[2 * taps];
        Vector512<int> oy0 = Vector512.Load(oy), oy1 = Vector512.Load(oy + 16), ox0 = Vector512.Load(ox), ox1 = Vector512.Load(ox + 16);
        for (int fy = 0, t = 0; fy < g.FH; fy++)
            for (int fx = 0; fx < g.FW; fx++, t++)
            {
                Vector512<int> dy = Vector512.Create(fy - g.Pad), dx = Vector512.Create(fx - g.Pad);
                shift[t] = (fy - g.Pad) * g.W + fx - g.Pad;
                inside[2 * t] = Inside(oy0 + dy, ox0 + dx);
                inside[2 * t + 1] = Inside(oy1 + dy, ox1 + dx);
            }
        // Each half in runs of columns contiguous in x: one run when P is a multiple of 16 and OW = W or 16.
        Vector512<float>* runMask = stackalloc Vector512<float>[32];
        int* runStart = stackalloc int[32];
        int* runs = stackalloc int[2];
        Vector512<int> lane = Vector512.CreateSequence(0, 1);
        for (int h = 0; h < 2; h++)
        {
            int first = 16 * h, count = 0;
            for (int start = first, end; start < first + 16; start = end, count++)
            {
                for (end = start + 1; end < first + 16 && at[end] == at[end - 1] + 1; end++) { }
                runMask[first + count] = (Vector512.GreaterThanOrEqual(lane, Vector512.Create(start - first)) & Vector512.LessThan(lane, Vector512.Create(end - first))).AsSingle();
                runStart[first + count] = at[start] - (start - first);            // x offset of lane 0 of this half, as seen from this run
            }
            runs[h] = count;
        }
        bool oneImagePerHalf = runs[0] == 1 && runs[1] == 1;
        int tap = pc % taps;                                                          // row pc is tap (c, tap), then counted up
        float* channel = x + pc / taps * plane;
        for (int p = 0; p < kc; p++, dst += 32)
        {
            float* source = channel + shift[tap];                                     // + at[l]: this row at column l
            if (oneImagePerHalf)
            {
                Vector512.StoreAligned(Avx512F.MaskLoad(source + runStart[0], inside[2 * tap], default), dst);
                Vector512.StoreAligned(Avx512F.MaskLoad(source + runStart[16], inside[2 * tap + 1], default), dst + 16);
            }
            else
                for (int h = 0; h < 2; h++)
                {
                    Vector512<float> half = default;
                    for (int r = 16 * h; r < 16 * h + runs[h]; r++)
                        half = Avx512F.MaskLoad(source + runStart[r], inside[2 * tap + h] & runMask[r], half);
                    Vector512.StoreAligned(half, dst + 16 * h);
                }
            if (++tap == taps)
            {
                tap = 0;
                channel += plane;
            }
        }
    }

    /// <summary>
    /// Rows [i0, i0 + mc) (taps) and columns [pc, pc + kc) (pixels) of cols as <see cref="GemmBlocked"/>'s A: 8-tall slivers,
    /// each (kc, 8) p-major, one after the other from <paramref name="dst"/>; rows past mc are 0.
    /// </summary>
    /// <remarks>
    /// For dW = dout·colsᵀ, formed as dWᵀ = cols·doutᵀ with the pixels as the depth. Each run of 32 pixels is packed as a
    /// sliver of B would be (<see cref="PackSliver"/>, one set-up for up to <see cref="RowsPerRun"/> taps) into a buffer that
    /// stays in L1, and transposed from there into the slivers of A: cols is never written out, cleared where taps read
    /// padding, and read back to be packed.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]   // the buffer is written before it is read: no need to clear 32 KiB per call
    public void PackRows(int i0, int mc, int pc, int kc, float* dst)
    {
        float* buffer = stackalloc float[RowsPerRun * 32 + 16];
        float* run = (float*)(((nint)buffer + 63) & ~(nint)63);                  // (rows, 32), 64-byte aligned as PackSliver stores
        for (int r0 = 0; r0 < mc; r0 += RowsPerRun)
        {
            int rows = Math.Min(RowsPerRun, mc - r0), tall = (rows + 7) & ~7;
            new Span<float>(run + rows * 32, (tall - rows) * 32).Clear();              // the last sliver's rows past mc
            for (int j = 0; j < kc; j += 32)
            {
                int nr = Math.Min(32, kc - j);
                PackSliver(i0 + r0, rows, pc + j, nr, run);                            // run[t·32 + l] = cols[i0 + r0 + t, pc + j + l]
                for (int s = 0; s < tall; s += 8)
                    GemmBlocked.Transpose8Rows(run + s * 32, 32, nr, dst + (nint)(r0 + s) * kc + j * 8, 8);
            }
        }
    }

    /// <summary>Taps packed per set-up of a run of pixels in <see cref="PackRows"/>: a (256, 32) buffer, 32 KiB on the stack.</summary>
    /// <remarks>
    /// A block of A has at most MC rows (168 on the 2-core machine), so this is one set-up per run of 32 pixels. With 64 taps
    /// per set-up, DeepConvNet's 16→32 layer (144 taps) took three, and its dW was 7 % slower than unfolding; with 256, dW
    /// against unfolding (one thread, batch 100, in-process A/B): 16→32 0.88-1.00×, 32→32 0.94×, 32→64 0.84×, 64→64 0.91-0.92×.
    /// </remarks>
    private const int RowsPerRun = 256;

    /// <summary>Lanes whose input pixel (iy, ix) is inside the image (not padding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector512<float> Inside(Vector512<int> iy, Vector512<int> ix) =>
        (Vector512.LessThan(iy.AsUInt32(), Vector512.Create((uint)g.H)) & Vector512.LessThan(ix.AsUInt32(), Vector512.Create((uint)g.W))).AsSingle();
}
