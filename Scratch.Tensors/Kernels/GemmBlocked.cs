using System.Buffers;
using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

// The BLIS loop nest (Van Zee & van de Geijn), five loops around a register-tiled micro-kernel:
//
//   for jc in 0..n step NC            columns of C and B       B panel (KC, NC) lives in L3
//     for pc in 0..k step KC          the shared dimension     pack B[pc.., jc..] into NR-wide slivers
//       for ic in 0..m step MC        rows of C and A          pack A[ic.., pc..] into MR-tall slivers (L2)
//         for jr in 0..NC step NR     one sliver of B          (KC, NR) sliver stays in L1
//           for ir in 0..MC step MR   one sliver of A          micro-kernel: C[ir.., jr..] += A sliver · B sliver
//
// Packing reads A and B through any strides (transposed views and broadcasts cost nothing extra) and pads the
// last slivers with zeros, so the micro-kernel always computes a full (MR, NR) tile; edge tiles go through a
// small buffer and only their valid part is written back. The first pc block overwrites C (unless
// accumulating), later ones add to it.
//
// Threads: for each (jc, pc) the B panel is packed, then C's rows of the panel (or, for short C, its slivers of
// columns) are cut into disjoint tasks that run in parallel, each packing its own A blocks. Every element of C
// is summed by one task in the fixed order pc = 0, KC, …, then p within the block, so the result does not
// depend on the number of threads or on their timing.

/// <summary>Cache-blocked, packed, register-tiled GEMM: <c>C = A·B</c> (or <c>C += A·B</c>) on Vector256 + FMA.</summary>
internal static unsafe class GemmBlocked
{
    private const int MR = GemmMicroKernel.MR;   // 6
    private const int NR = GemmMicroKernel.NR;   // 16

    // Block sizes: on 1024³ one thread measured 105-111 GFLOP/s for every KC in {256, 384, 512} × MC in {72 … 192}
    // (a flat region, within the noise of a shared machine); KC = 384 keeps the micro-kernel's working set at
    // 24 + 9 KiB of the 48 KiB L1d with room to spare, and needs fewer passes over C than 256.

    /// <summary>Depth of a block: a (KC, NR) sliver of B is 24 KiB, half of the 48 KiB L1d; an (MR, KC) sliver of A is 9 KiB.</summary>
    internal const int KC = 384;

    /// <summary>Rows of a packed A block: (MC, KC) = 180 KiB, well inside the 1 MiB L2. A multiple of MR.</summary>
    internal const int MC = 120;

    /// <summary>Columns of a packed B panel: (KC, NC) = 6 MiB, in L3. A multiple of NR.</summary>
    internal const int NC = 4096;

    /// <summary>
    /// Below this many multiply-adds (16 MFLOP, ~150 µs on one core) one thread is used: measured on the shared
    /// 2-core machine, two threads lost at 128³ and at (100, 784)·(784, 100) and only broke even at 256³.
    /// </summary>
    internal const long ParallelMinMultiplyAdds = 1L << 23;

    /// <summary>Whether the Vector256 + FMA micro-kernel can run; otherwise <see cref="Multiply(int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, Span{float}, int, bool, int)"/> falls back to <see cref="GemmVectorized"/>.</summary>
    internal static bool IsSupported => Vector256.IsHardwareAccelerated && Fma.IsSupported;

    /// <summary><c>C = A·B</c> (or <c>C += A·B</c>) on up to <see cref="Environment.ProcessorCount"/> threads.</summary>
    public static void Multiply(int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int cRowStride, bool accumulate)
        => Multiply(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate, Environment.ProcessorCount);

    /// <summary><c>C = A·B</c> (or <c>C += A·B</c>) on up to <paramref name="maxThreads"/> threads.</summary>
    /// <remarks>Arguments as in <see cref="Gemm.Multiply(GemmKernel, int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, Span{float}, int, bool)"/>, already validated.</remarks>
    internal static void Multiply(int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int cRowStride, bool accumulate, int maxThreads)
    {
        Debug.Assert(m >= 0 && n >= 0 && k >= 0 && maxThreads >= 1);
        if (m == 0 || n == 0)
            return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++)
                    c.Slice(i * cRowStride, n).Clear();
            return;
        }
        if (!IsSupported)
        {
            GemmVectorized.Multiply(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate);
            return;
        }

        int threads = (long)m * n * k < ParallelMinMultiplyAdds ? 1 : Math.Min(maxThreads, Environment.ProcessorCount);
        Job job = t_job ??= new Job();
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            job.Start(m, n, k, pa, aRowStride, aColStride, pb, bRowStride, bColStride, pc, cRowStride, accumulate, threads);
            try
            {
                job.Run();
            }
            finally
            {
                job.Finish();
            }
        }
    }

    [ThreadStatic]
    // One per calling thread: a one-thread call allocates nothing once warm; a parallel call allocates only
    // Parallel.For's own bookkeeping (~1.7 KB per parallel loop, two loops per (jc, pc) block).
    private static Job? t_job;

    /// <summary>The state of one multiplication, shared by its parallel tasks.</summary>
    private sealed class Job
    {
        private float* _a, _b, _c, _bPack;
        private nint _aRs, _aCs, _bRs, _bCs, _cRs;
        private int _m, _n, _k, _threads;
        private bool _accumulate;
        private float[]? _bPackArray;

        // The current (jc, pc) block and how its C panel is cut into tasks.
        private int _jc, _nc, _pc, _kc;
        private int _rowsPerTask, _slivers, _sliversPerTask, _rowTasks, _colTasks;

        private readonly Action<int> _runTask;
        private readonly Action<int> _packBPart;

        public Job()
        {
            _runTask = RunTask;
            _packBPart = PackBPart;
        }

        public void Start(int m, int n, int k, float* a, int aRs, int aCs, float* b, int bRs, int bCs, float* c, int cRs,
            bool accumulate, int threads)
        {
            (_m, _n, _k, _aRs, _aCs, _bRs, _bCs, _cRs) = (m, n, k, aRs, aCs, bRs, bCs, cRs);
            _a = a;
            _b = b;
            _c = c;
            (_accumulate, _threads) = (accumulate, threads);
        }

        public void Finish()
        {
            if (_bPackArray is not null)
                ArrayPool<float>.Shared.Return(_bPackArray);
            _bPackArray = null;
            _a = _b = _c = _bPack = null;
        }

        public void Run()
        {
            int ncMax = Math.Min(NC, RoundUp(_n, NR));
            _bPackArray = ArrayPool<float>.Shared.Rent(Math.Min(KC, _k) * ncMax);
            fixed (float* bPack = _bPackArray)
            {
                _bPack = bPack;
                for (_jc = 0; _jc < _n; _jc += NC)
                {
                    _nc = Math.Min(NC, _n - _jc);
                    _slivers = (_nc + NR - 1) / NR;
                    PlanTasks();
                    for (_pc = 0; _pc < _k; _pc += KC)
                    {
                        _kc = Math.Min(KC, _k - _pc);
                        if (_threads == 1)
                        {
                            PackBPart(0);
                            RunTask(0);
                        }
                        else
                        {
                            Parallel.For(0, _threads, _packBPart);
                            Parallel.For(0, _rowTasks * _colTasks, _runTask);
                        }
                    }
                }
            }
        }

        /// <summary>Cuts the (m, nc) panel of C into disjoint tasks: by rows when C is tall enough, else by slivers of columns.</summary>
        private void PlanTasks()
        {
            int rowSlivers = (_m + MR - 1) / MR;
            int wanted = _threads == 1 ? 1 : 2 * _threads;   // 2 per thread, so a thread slowed by another process gets help
            if (rowSlivers >= wanted || _slivers < wanted)
            {
                _rowTasks = Math.Min(wanted, rowSlivers);
                _colTasks = 1;
            }
            else
            {
                _rowTasks = 1;
                _colTasks = wanted;
            }
            _rowsPerTask = (rowSlivers + _rowTasks - 1) / _rowTasks * MR;
            _rowTasks = (_m + _rowsPerTask - 1) / _rowsPerTask;
            _sliversPerTask = (_slivers + _colTasks - 1) / _colTasks;
            _colTasks = (_slivers + _sliversPerTask - 1) / _sliversPerTask;
        }

        /// <summary>Packs part <paramref name="part"/> of <see cref="_threads"/> of the (kc, nc) panel of B into NR-wide slivers.</summary>
        private void PackBPart(int part)
        {
            int perPart = (_slivers + _threads - 1) / _threads;
            int s1 = Math.Min(_slivers, (part + 1) * perPart);
            for (int s = part * perPart; s < s1; s++)
            {
                int j0 = s * NR;
                PackBSliver(_b + _pc * _bRs + (_jc + j0) * _bCs, _bRs, _bCs, _kc, Math.Min(NR, _nc - j0), _bPack + (nint)s * _kc * NR);
            }
        }

        /// <summary>One task: its rows [r0, r1) of C times its slivers [s0, s1) of the B panel, for the current (jc, pc).</summary>
        private void RunTask(int task)
        {
            int r0 = task / _colTasks * _rowsPerTask, r1 = Math.Min(_m, r0 + _rowsPerTask);
            int s0 = task % _colTasks * _sliversPerTask, s1 = Math.Min(_slivers, s0 + _sliversPerTask);
            bool overwrite = _pc == 0 && !_accumulate;

            // The task's rows in blocks of at most MC, sized evenly so the last block is not a sliver of a block.
            int rows = r1 - r0;
            int blocks = (rows + MC - 1) / MC;
            int mcStep = RoundUp((rows + blocks - 1) / blocks, MR);

            float[] aPackArray = ArrayPool<float>.Shared.Rent(mcStep * _kc);
            float* tile = stackalloc float[MR * NR];
            fixed (float* aPack = aPackArray)
            {
                for (int ic = r0; ic < r1; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, r1 - ic);
                    PackABlock(_a + ic * _aRs + _pc * _aCs, _aRs, _aCs, mc, _kc, aPack);
                    for (int s = s0; s < s1; s++)
                    {
                        int jr = s * NR;
                        int nr = Math.Min(NR, _nc - jr);
                        float* bSliver = _bPack + (nint)s * _kc * NR;
                        for (int ir = 0; ir < mc; ir += MR)
                        {
                            int mr = Math.Min(MR, mc - ir);
                            float* aSliver = aPack + (nint)ir * _kc;
                            float* cTile = _c + (ic + ir) * _cRs + _jc + jr;
                            if (mr == MR && nr == NR)
                            {
                                GemmMicroKernel.Run(_kc, aSliver, bSliver, cTile, _cRs, overwrite);
                            }
                            else
                            {
                                GemmMicroKernel.Run(_kc, aSliver, bSliver, tile, NR, overwrite: true);
                                for (int r = 0; r < mr; r++)
                                    for (int j = 0; j < nr; j++)
                                        cTile[r * _cRs + j] = overwrite ? tile[r * NR + j] : cTile[r * _cRs + j] + tile[r * NR + j];
                            }
                        }
                    }
                }
            }
            ArrayPool<float>.Shared.Return(aPackArray);
        }
    }

    /// <summary>Packs an (mc, kc) block of A into MR-tall slivers, each (kc, MR) p-major; rows past mc are zeros.</summary>
    private static void PackABlock(float* a, nint rowStride, nint colStride, int mc, int kc, float* dst)
    {
        for (int i0 = 0; i0 < mc; i0 += MR)
        {
            int mr = Math.Min(MR, mc - i0);
            float* src = a + i0 * rowStride;
            if (mr == MR && colStride == 1)
            {
                // Row-major A: walk six rows side by side.
                float* r0 = src, r1 = r0 + rowStride, r2 = r1 + rowStride, r3 = r2 + rowStride, r4 = r3 + rowStride, r5 = r4 + rowStride;
                for (int p = 0; p < kc; p++, dst += MR)
                {
                    dst[0] = r0[p]; dst[1] = r1[p]; dst[2] = r2[p];
                    dst[3] = r3[p]; dst[4] = r4[p]; dst[5] = r5[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++, dst += MR)
                {
                    float* col = src + p * colStride;
                    int r = 0;
                    for (; r < mr; r++)
                        dst[r] = col[r * rowStride];
                    for (; r < MR; r++)
                        dst[r] = 0f;
                }
            }
        }
    }

    /// <summary>Packs a (kc, nr ≤ NR) sliver of B into (kc, NR) p-major; columns past nr are zeros.</summary>
    private static void PackBSliver(float* b, nint rowStride, nint colStride, int kc, int nr, float* dst)
    {
        if (nr == NR && colStride == 1)
        {
            for (int p = 0; p < kc; p++, dst += NR)
            {
                float* row = b + p * rowStride;
                Vector256.Load(row).Store(dst);
                Vector256.Load(row + 8).Store(dst + 8);
            }
            return;
        }
        for (int p = 0; p < kc; p++, dst += NR)
        {
            float* row = b + p * rowStride;
            int j = 0;
            for (; j < nr; j++)
                dst[j] = row[j * colStride];
            for (; j < NR; j++)
                dst[j] = 0f;
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
