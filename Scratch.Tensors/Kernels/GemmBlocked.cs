using System.Buffers;
using System.Numerics.Tensors;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Scratch.Tensors.Kernels;

// The BLIS loop nest (Van Zee & van de Geijn), five loops around a register-tiled micro-kernel:
//
//   for jc in 0..n step NC            columns of C and B       B panel (KC, NC) lives in L3
//     for pc in 0..k step KC          the shared dimension     B[pc.., jc..] in NR-wide slivers (each packed once)
//       for ic in 0..m step MC        rows of C and A          pack A[ic.., pc..] into MR-tall slivers (L2)
//         for jr in 0..NC step NR     one sliver of B          (KC, NR) sliver, reused from L1/L2
//           for ir in 0..MC step MR   one sliver of A          micro-kernel: C[ir.., jr..] += A sliver · B sliver
//
// The register tile (MR, NR) comes from a struct implementing IGemmMicroKernel: the driver is generic over it, so
// the JIT compiles it once per tile with MR and NR as constants. The block sizes (KC, MC, NC) follow from the tile
// and this machine's caches (GemmBlockSizes). Packing reads A and B
// through any strides (transposed views and broadcasts cost nothing extra) and pads the last slivers with zeros,
// so the micro-kernel always computes a full (MR, NR) tile; an edge tile stores only its valid part, with masked
// stores (Vector512 tile) or through a small buffer (GemmEdgeTile). Packed buffers are 64-byte aligned, so no Vector512 load of B splits a cache line.
// The first pc block overwrites C (unless accumulating), later ones add to it, and the last one also applies the
// epilogue (bias, ReLU) to the tile in registers before its store, so C is written once more at most.
//
// Threads: C's rows of a column panel (or, for short C, its slivers of columns) are cut into disjoint tasks that
// run in parallel, each over the whole depth, packing its own blocks of A. The panel of B is packed for all depth
// blocks at once, each (pc, sliver) by the first task that needs it, the others waiting for it if it is being
// packed: no barrier between the depth blocks. Every element of C is summed by one task in the fixed order
// pc = 0, KC, …, then p within the block, so the result does not depend on the number of threads or on their timing.

/// <summary>Cache-blocked, packed, register-tiled GEMM: <c>C = relu?(A·B (+ C) + bias)</c> on Vector512, Vector256 + FMA or Vector128.</summary>
/// <remarks>
/// The tile follows the instruction sets present, not the runtime's preferred vector width: .NET reports
/// <c>Vector512.IsHardwareAccelerated == false</c> on many AVX-512 CPUs (it prefers 256-bit vectors there) but
/// still compiles Vector512 operations to AVX-512 instructions when <c>Avx512F.IsSupported</c>.
/// </remarks>
internal static unsafe class GemmBlocked
{
    /// <summary>
    /// Below this many multiply-adds (16 MFLOP, ~150 µs on one core) one thread is used: measured on the shared
    /// 2-core machine, two threads lost at 128³ and at (100, 784)·(784, 100) and only broke even at 256³.
    /// </summary>
    internal const long ParallelMinMultiplyAdds = 1L << 23;

    /// <summary>At most this many floats (16 MiB) of B are packed at once: a column panel's width is bounded by it.</summary>
    private const int PanelMaxFloats = 1 << 22;

    /// <summary>The panel of B that <see cref="ReservePackBuffers"/> makes ready: 2²⁰ floats (4 MiB), all of B in a 1024 × 1024 product.</summary>
    private const int ReservedPanelFloats = 1 << 20;

    /// <summary>
    /// Allocates and touches, ahead of the first large product, one packed panel of B of <see cref="ReservedPanelFloats"/>
    /// and one packed block of A (MC × KC of the widest supported tile) for each core, up to 8.
    /// </summary>
    /// <remarks>
    /// For the warm-up (<see cref="KernelWarmUp"/>): products whose panels fit in these blocks fault no new pages; larger
    /// ones fault only their extra pages. The blocks stay in <see cref="PackBufferPool"/>: an A block is about a quarter of
    /// L2 (<see cref="GemmBlockSizes"/>), so 4 + 2 × 0.5 MiB on the 2-core machine.
    /// </remarks>
    internal static void ReservePackBuffers()
    {
        GemmBlockSizes blocks = IsSupported(GemmTile.Vector512) ? Job<GemmMicroKernel512>.Blocks
            : IsSupported(GemmTile.Vector256) ? Job<GemmMicroKernel256>.Blocks
            : Job<GemmMicroKernel128>.Blocks;
        Span<nint> floats = stackalloc nint[1 + Math.Min(Environment.ProcessorCount, 8)];
        floats.Fill((nint)blocks.MC * blocks.KC);
        floats[0] = ReservedPanelFloats;
        PackBufferPool.Shared.Reserve(floats);
    }

    /// <summary>Whether this machine runs <paramref name="tile"/>'s micro-kernel in hardware.</summary>
    internal static bool IsSupported(GemmTile tile) => tile switch
    {
        GemmTile.Vector128 => Vector128.IsHardwareAccelerated,
        GemmTile.Vector256 => Avx2.IsSupported && Fma.IsSupported,
        GemmTile.Vector512 or GemmTile.Vector512Tall => Avx512F.IsSupported,
        _ => false,
    };

    /// <summary>
    /// Whether an (m, k)·(k, n) product takes the 12×32 tile rather than the 8×32 one: when B is larger than one core's
    /// L2, with at least 240 rows (the last sliver of rows then pads at most 11 rows, under 5 %) and 256 columns (an edge
    /// sliver of columns, computed whole, is at most an eighth more work).
    /// </summary>
    /// <remarks>
    /// The two tiles forced and alternated in one process (medians of 15 pairs, 2 MiB L2), speed of the 12×32 tile against
    /// the 8×32 one: one thread 2048³ 1.03-1.06×, 1536³ 1.00-1.09×, 1024³ 1.04×; two threads 2048³ 1.04×, 1024³ 1.06×;
    /// but 512³ (B of 1 MiB) 0.99× and 256³ 0.95× on one thread, 0.91× on two: where B fits in L2 its slivers stream from
    /// there, and the taller tile only adds padding.
    /// </remarks>
    internal static bool PrefersTallTile(int m, int n, int k) =>
        m >= 240 && n >= 256 && (long)k * n * sizeof(float) > GemmBlockSizes.Caches.L2;

    /// <summary>The tiles this machine supports, narrowest first: Vector128 on any x86-64 or Arm64 machine, all four with AVX-512F.</summary>
    internal static IEnumerable<GemmTile> SupportedTiles() => Enum.GetValues<GemmTile>().Where(IsSupported);

    /// <summary><c>C = relu?(A·B (+ C) + bias)</c> on up to <see cref="Environment.ProcessorCount"/> threads, with the widest supported tile.</summary>
    public static void Multiply(int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int cRowStride, bool accumulate,
        ReadOnlySpan<float> rowBias, ReadOnlySpan<float> columnBias, bool relu)
        => Multiply(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate,
            rowBias, columnBias, relu, Environment.ProcessorCount);

    /// <summary><c>C = relu?(A·B (+ C) + bias)</c> on up to <paramref name="maxThreads"/> threads, with <paramref name="tile"/> or the tile for this product.</summary>
    /// <remarks>
    /// Arguments as in <see cref="Gemm.Multiply(GemmKernel, int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, Span{float}, int, bool, ReadOnlySpan{float}, ReadOnlySpan{float}, bool)"/>, already validated.
    /// Without <paramref name="tile"/>: a product of at most 16 rows goes to <see cref="GemmDirect512"/> where it applies,
    /// then the widest supported tile is used (the 12×32 one only for large products, <see cref="PrefersTallTile"/>), and
    /// without any (no SIMD at all) <see cref="GemmVectorized"/>. With it (tests and benchmarks of one tile): that tile,
    /// which this machine must support.
    /// </remarks>
    internal static void Multiply(int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int cRowStride, bool accumulate,
        ReadOnlySpan<float> rowBias, ReadOnlySpan<float> columnBias, bool relu, int maxThreads, GemmTile? tile = null)
    {
        Debug.Assert(tile is null || IsSupported(tile.Value));
        if (tile is null && GemmDirect512.Applies(m, n, k, bColStride))
        {
            GemmDirect512.Multiply(m, n, k, a, aRowStride, aColStride, b, bRowStride, c, cRowStride, accumulate, rowBias, columnBias, relu);
            return;
        }
        switch (tile ?? TileFor(m, n, k))
        {
            case GemmTile.Vector512Tall:
                Multiply<GemmMicroKernel512Tall>(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate, rowBias, columnBias, relu, maxThreads);
                break;
            case GemmTile.Vector512:
                Multiply<GemmMicroKernel512>(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate, rowBias, columnBias, relu, maxThreads);
                break;
            case GemmTile.Vector256:
                Multiply<GemmMicroKernel256>(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate, rowBias, columnBias, relu, maxThreads);
                break;
            case GemmTile.Vector128:
                Multiply<GemmMicroKernel128>(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate, rowBias, columnBias, relu, maxThreads);
                break;
            default:
                GemmVectorized.Multiply(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate, rowBias, columnBias, relu);
                break;
        }
    }

    /// <summary>The widest supported tile for an (m, k)·(k, n) product, or null on a machine without SIMD.</summary>
    internal static GemmTile? TileFor(int m, int n, int k) =>
        IsSupported(GemmTile.Vector512) ? (PrefersTallTile(m, n, k) ? GemmTile.Vector512Tall : GemmTile.Vector512)
        : IsSupported(GemmTile.Vector256) ? GemmTile.Vector256
        : IsSupported(GemmTile.Vector128) ? GemmTile.Vector128
        : null;

    /// <summary>
    /// <c>C = relu?(A·cols + rowBias)</c> with cols (K, N·P) the column matrix of a convolution of <paramref name="x"/>,
    /// packed from the image as it is needed (<see cref="ImplicitColumns"/>; the caller checked <see cref="ImplicitColumns.Supports"/>).
    /// </summary>
    /// <remarks>A is (m, K) through its strides, C (m, N·P); <paramref name="x"/> holds the geometry's N images.</remarks>
    internal static void MultiplyImplicitColumns(int m, ReadOnlySpan<float> a, int aRowStride, int aColStride, ReadOnlySpan<float> x, ConvShape g,
        Span<float> c, int cRowStride, ReadOnlySpan<float> rowBias, bool relu)
    {
        if (!ImplicitColumns.Supports(g) || x.Length < g.N * g.C * g.H * g.W)
            throw new ArgumentException($"GemmBlocked.MultiplyImplicitColumns: geometry {g} unsupported here or x too short ({x.Length}).", nameof(g));
        fixed (float* px = x)
            Multiply<GemmMicroKernel512>(m, g.Columns, g.K, a, aRowStride, aColStride, default, 0, 0, c, cRowStride, accumulate: false,
                rowBias, default, relu, Environment.ProcessorCount, implicitB: new ImplicitColumns(px, g));
    }

    /// <summary>
    /// <c>C (+)= cols·B</c> with cols (K, N·P) the column matrix of a convolution of <paramref name="x"/>, packed from the image
    /// as it is needed (<see cref="ImplicitColumns.PackRows"/>; the caller checked <see cref="ImplicitColumns.Supports"/>).
    /// </summary>
    /// <remarks>B is (N·P, n) through its strides, C (K, n): a convolution's dWᵀ = cols·doutᵀ with n = FN, without unfolding cols.</remarks>
    internal static void MultiplyImplicitRows(int n, ReadOnlySpan<float> x, ConvShape g, ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int cRowStride, bool accumulate)
    {
        if (!ImplicitColumns.Supports(g) || x.Length < g.N * g.C * g.H * g.W)
            throw new ArgumentException($"GemmBlocked.MultiplyImplicitRows: geometry {g} unsupported here or x too short ({x.Length}).", nameof(g));
        fixed (float* px = x)
            Multiply<GemmMicroKernel512>(g.K, n, g.Columns, default, 0, 0, b, bRowStride, bColStride, c, cRowStride, accumulate,
                default, default, relu: false, Environment.ProcessorCount, implicitA: new ImplicitColumns(px, g));
    }

    /// <summary><c>C = relu?(A·B (+ C) + bias)</c> with the register tile <typeparamref name="TKernel"/>, which the caller checked is supported.</summary>
    /// <remarks>
    /// With <paramref name="implicitB"/>, B is that convolution's column matrix and <paramref name="b"/> is unused. A small C
    /// over a long depth is computed in parts of the depth (<see cref="DepthParts"/>) unless <paramref name="mayCutDepth"/>
    /// is false (a part's own product).
    /// </remarks>
    internal static void Multiply<TKernel>(int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int cRowStride, bool accumulate,
        ReadOnlySpan<float> rowBias, ReadOnlySpan<float> columnBias, bool relu, int maxThreads,
        ImplicitColumns? implicitA = null, ImplicitColumns? implicitB = null, bool mayCutDepth = true)
        where TKernel : struct, IGemmMicroKernel
    {
        Debug.Assert(m >= 0 && n >= 0 && k >= 0 && maxThreads >= 1);
        if (m == 0 || n == 0)
            return;
        if (k == 0)
        {
            for (int i = 0; i < m; i++)
            {
                Span<float> row = c.Slice(i * cRowStride, n);
                if (!accumulate)
                    row.Clear();
                if (GemmEpilogue.IsPresent(rowBias, columnBias, relu))
                    GemmEpilogue.ApplyRow(row, rowBias, i, columnBias, relu);
            }
            return;
        }

        int parts = implicitA is null && implicitB is null && mayCutDepth ? DepthParts(m, n, k, Job<TKernel>.Blocks.KC) : 1;
        if (parts > 1)
        {
            MultiplyInDepthParts<TKernel>(parts, m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate, rowBias, columnBias, relu);
            return;
        }
        int threads = (long)m * n * k < ParallelMinMultiplyAdds ? 1 : Math.Min(maxThreads, Environment.ProcessorCount);
        Job<TKernel> job = Job<TKernel>.ForThisThread;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pRowBias = rowBias)          // null when empty
        fixed (float* pColumnBias = columnBias)
        {
            job.Start(m, n, k, pa, aRowStride, aColStride, pb, bRowStride, bColStride, pc, cRowStride, accumulate, threads, implicitA, implicitB);
            job.SetEpilogue(pRowBias, pColumnBias, relu);
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

    /// <summary>At most this many elements of C (64 KiB) for a product to be cut along its depth: its partial C's are added in cache.</summary>
    private const int DepthPartsMaxOutputs = 1 << 14;

    /// <summary>At most this many parts of the depth.</summary>
    private const int MaxDepthParts = 4;

    /// <summary>
    /// The parts the depth of an (m, k)·(k, n) product is cut into, each computed on its own by one thread and the
    /// partial C's added in order: 1 unless C is small (at most <see cref="DepthPartsMaxOutputs"/> elements) and the
    /// product large enough to be split between threads, then one part per two blocks of depth (<paramref name="kc"/>), at most 4.
    /// </summary>
    /// <remarks>
    /// Split by rows, such a product has every thread stream all of A's rows it owns and all of B: SimpleConvNet's hidden
    /// layer, (100, 4320)·(4320, 100), ran 915 µs on one thread and 786 on two. By depth, each thread reads only its part
    /// of A and B. The parts depend only on the shapes (and this machine's block size), so results do not depend on the
    /// thread count.
    /// </remarks>
    internal static int DepthParts(int m, int n, int k, int kc) =>
        (long)m * n > DepthPartsMaxOutputs || (long)m * n * k < ParallelMinMultiplyAdds ? 1 : Math.Clamp(k / (2 * kc), 1, MaxDepthParts);

    /// <summary>
    /// <c>C = relu?(Σ_part A_part·B_part (+ C) + bias)</c>: the product of each part of the depth into its own partial C
    /// (one thread each, the parts taken in turn by up to all cores), then the partials added into C in order, and the
    /// epilogue applied.
    /// </summary>
    private static void MultiplyInDepthParts<TKernel>(int parts, int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int cRowStride, bool accumulate,
        ReadOnlySpan<float> rowBias, ReadOnlySpan<float> columnBias, bool relu)
        where TKernel : struct, IGemmMicroKernel
    {
        float[] partials = ArrayPool<float>.Shared.Rent(parts * m * n);
        try
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
                ParallelRange.ForEachClaimed(parts, new DepthPartBody<TKernel>(parts, m, n, k, pa, aRowStride, aColStride, pb, bRowStride, bColStride, partials),
                    (long)m * n * k);
            for (int i = 0; i < m; i++)
            {
                Span<float> row = c.Slice(i * cRowStride, n);
                if (!accumulate)
                    row.Clear();
                for (int part = 0; part < parts; part++)                 // in order: the same sums for any thread count
                    TensorPrimitives.Add(row, partials.AsSpan((part * m + i) * n, n), row);
                if (GemmEpilogue.IsPresent(rowBias, columnBias, relu))
                    GemmEpilogue.ApplyRow(row, rowBias, i, columnBias, relu);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary>Parts [from, to) of the depth: part p covers p in [p·k/parts, (p + 1)·k/parts), its product into partials (m, n) number p, on this thread.</summary>
    private readonly struct DepthPartBody<TKernel>(int parts, int m, int n, int k, float* a, int aRowStride, int aColStride,
        float* b, int bRowStride, int bColStride, float[] partials) : IRangeBody where TKernel : struct, IGemmMicroKernel
    {
        public void Run(int from, int to)
        {
            for (int part = from; part < to; part++)
            {
                int k0 = (int)((long)part * k / parts), depth = (int)((long)(part + 1) * k / parts) - k0;
                var aPart = new ReadOnlySpan<float>(a + (nint)k0 * aColStride, (m - 1) * aRowStride + (depth - 1) * aColStride + 1);
                var bPart = new ReadOnlySpan<float>(b + (nint)k0 * bRowStride, (depth - 1) * bRowStride + (n - 1) * bColStride + 1);
                Multiply<TKernel>(m, n, depth, aPart, aRowStride, aColStride, bPart, bRowStride, bColStride,
                    partials.AsSpan(part * m * n, m * n), n, accumulate: false, default, default, relu: false, maxThreads: 1, mayCutDepth: false);
            }
        }
    }

    /// <summary>The state of one multiplication with the tile <typeparamref name="TKernel"/>, shared by its parallel tasks.</summary>
    /// <remarks>A one-thread call allocates nothing once warm; nor does a parallel one (<see cref="ParallelRange.ForEach"/> reuses its work items).</remarks>
    private sealed class Job<TKernel> where TKernel : struct, IGemmMicroKernel
    {
        [ThreadStatic]
        private static Job<TKernel>? t_job;   // one per calling thread and tile, so a steady-state call allocates nothing

        public static Job<TKernel> ForThisThread => t_job ??= new Job<TKernel>();

        private static int MR => TKernel.MR;
        private static int NR => TKernel.NR;
        internal static readonly GemmBlockSizes Blocks = GemmBlockSizes.For(TKernel.MR, TKernel.NR);

        private float* _a, _b, _c;
        private ImplicitColumns? _implicitA;   // A packed from a convolution's image instead of read from _a
        private ImplicitColumns? _implicitB;   // B packed from a convolution's image instead of read from _b
        private float* _rowBias, _columnBias;   // null for none
        private bool _relu;
        private nint _aRs, _aCs, _bRs, _bCs, _cRs;
        private int _m, _n, _k, _threads;
        private bool _accumulate;

        // The depth in blocks of at most KC: block q covers p in [q·kcStep, min(k, (q + 1)·kcStep)).
        private int _depthBlocks, _kcStep;

        // The current column panel [jc, jc + nc) of C and B: its slivers of B, packed for every depth block, and the
        // state of each packed (depth block, sliver): Unpacked, Packing (a thread is writing it) or Packed.
        private int _jc, _nc, _slivers;
        private float* _bPack;
        private PackBufferPool.Block _bPackBlock;
        private int[]? _bState;
        private const int Unpacked = 0, Packing = 1, Packed = 2;

        // How the (m, nc) panel of C is cut into tasks: rectangles of rows × slivers.
        private int _rowSlivers, _rowTasks, _colTasks;

        private readonly Action<int> _runTask;

        private Job()
        {
            _runTask = RunTask;
        }

        public void Start(int m, int n, int k, float* a, int aRs, int aCs, float* b, int bRs, int bCs, float* c, int cRs,
            bool accumulate, int threads, ImplicitColumns? implicitA, ImplicitColumns? implicitB)
        {
            (_m, _n, _k, _aRs, _aCs, _bRs, _bCs, _cRs) = (m, n, k, aRs, aCs, bRs, bCs, cRs);
            (_implicitA, _implicitB) = (implicitA, implicitB);
            _a = a;
            _b = b;
            _c = c;
            (_accumulate, _threads) = (accumulate, threads);
        }

        public void SetEpilogue(float* rowBias, float* columnBias, bool relu)
        {
            _rowBias = rowBias;
            _columnBias = columnBias;
            _relu = relu;
        }

        public void Finish()
        {
            PackBufferPool.Shared.Return(_bPackBlock);
            if (_bState is not null)
                ArrayPool<int>.Shared.Return(_bState);
            (_bPackBlock, _bState) = (default, null);
            _a = _b = _c = _bPack = _rowBias = _columnBias = null;
            (_implicitA, _implicitB) = (null, null);
        }

        public void Run()
        {
            // The depth in blocks of at most KC, sized evenly: 784 = 3 × 262 (the last 260) rather than 384 + 384 + 16.
            _depthBlocks = (_k + Blocks.KC - 1) / Blocks.KC;
            _kcStep = (_k + _depthBlocks - 1) / _depthBlocks;
            // A column panel of B is packed whole (all depth blocks), within NC and a bound on its memory; the panels
            // are of even width (2048³: two of 1024 columns rather than 2016 + 32).
            int widest = Math.Min(Blocks.NC, Math.Max(NR, PanelMaxFloats / (_depthBlocks * _kcStep) / NR * NR));
            int panels = (_n + widest - 1) / widest;
            int ncMax = RoundUp((_n + panels - 1) / panels, NR);
            int sliversMax = ncMax / NR;
            _bPackBlock = PackBufferPool.Shared.Rent((nint)_depthBlocks * _kcStep * ncMax);
            _bState = ArrayPool<int>.Shared.Rent(_depthBlocks * sliversMax);
            _bPack = _bPackBlock.Start;
            for (_jc = 0; _jc < _n; _jc += ncMax)
            {
                _nc = Math.Min(ncMax, _n - _jc);
                _slivers = (_nc + NR - 1) / NR;
                Array.Clear(_bState, 0, _depthBlocks * _slivers);
                PlanTasks();
                // One parallel loop per column panel (one per call unless B is large), with no barrier inside it.
                // The former loop nest had two per (jc, pc) block (pack B, then the tasks): 6 per call at 1024³,
                // each a wake-up of the sleeping worker (20-70 µs on the idle 2-core VM, 0.3-1 ms under load, where
                // traces showed the caller packing and computing whole blocks alone) and a wait for the slower thread.
                ParallelRange.ForEach(_rowTasks * _colTasks, _runTask);
            }
        }

        /// <summary>Cuts the (m, nc) panel of C into disjoint tasks: by rows when C is tall enough, else by slivers of columns.</summary>
        /// <remarks>
        /// Tasks that split rows share the panel's packed B (each sliver is packed once, by whichever task needs it
        /// first) and pack their own rows of A; tasks that split columns (short C) each pack all of A, which is small then.
        /// </remarks>
        private void PlanTasks()
        {
            _rowSlivers = (_m + MR - 1) / MR;
            int wanted = _threads == 1 ? 1 : 2 * _threads;   // 2 per thread, so a thread slowed by another process gets help
            (_rowTasks, _colTasks) = _rowSlivers >= wanted || _slivers < wanted ? (Math.Min(wanted, _rowSlivers), 1) : (1, wanted);
        }

        /// <summary>Sliver <paramref name="s"/> of the panel of B for depth block <paramref name="q"/>, packed by this thread if no other has.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private float* PackedBSliver(int q, int s)
        {
            float* sliver = _bPack + ((nint)q * _slivers + s) * _kcStep * NR;
            ref int state = ref _bState![q * _slivers + s];
            if (Volatile.Read(ref state) == Packed)
                return sliver;
            if (Interlocked.CompareExchange(ref state, Packing, Unpacked) == Unpacked)
            {
                int pc = q * _kcStep, j0 = s * NR, nr = Math.Min(NR, _nc - j0), kc = Math.Min(_kcStep, _k - pc);
                if (_implicitB is ImplicitColumns columns)
                {
                    columns.PackSliver(pc, kc, _jc + j0, nr, sliver);
                    if (nr <= TKernel.NarrowNR)
                        Narrow(sliver, kc);
                }
                else if (nr <= TKernel.NarrowNR)
                    PackNarrowBSliver(_b + pc * _bRs + (_jc + j0) * _bCs, _bRs, _bCs, kc, nr, sliver);
                else
                    PackBSliver(_b + pc * _bRs + (_jc + j0) * _bCs, _bRs, _bCs, kc, nr, sliver);
                Volatile.Write(ref state, Packed);   // a release: the sliver's floats are visible before the state
                return sliver;
            }
            // Another task is packing it (a few µs). Spin and yield but never sleep: SpinWait's default sleeps 1 ms after
            // 20 rounds, which made (100, 4320)·(4320, 100) slower on two threads than on one (1.38 ms against 1.05).
            var spinner = new SpinWait();
            while (Volatile.Read(ref state) != Packed)
                spinner.SpinOnce(sleep1Threshold: -1);
            return sliver;
        }

        /// <summary>A packed (kc, NR) edge sliver of at most <see cref="IGemmMicroKernel.NarrowNR"/> columns moved, in place, to (kc, NarrowNR).</summary>
        private static void Narrow(float* sliver, int kc)
        {
            int width = TKernel.NarrowNR;
            for (int p = 0; p < kc; p++)                    // row p moves down to p·width ≤ p·NR: nothing is overwritten before it is read
                for (int j = 0; j < width; j++)
                    sliver[p * width + j] = sliver[p * NR + j];
        }

        /// <summary>One task: its rows [r0, r1) of C times its slivers [s0, s1) of the panel of B, over the whole depth.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RunTask(int task)
        {
            // Slivers of rows and of columns dealt out evenly: 13 row slivers (m = 100) to 4 tasks as 3, 3, 3, 4, where
            // whole ceilings (4, 4, 4, 1) left one thread with 8 of them and the other with 5.
            int rowTask = task / _colTasks, colTask = task % _colTasks;
            int r0 = rowTask * _rowSlivers / _rowTasks * MR, r1 = Math.Min(_m, (rowTask + 1) * _rowSlivers / _rowTasks * MR);
            int s0 = colTask * _slivers / _colTasks, s1 = (colTask + 1) * _slivers / _colTasks;
            int sliverCount = s1 - s0;
            // Tasks sharing the slivers start at different ones, so that they pack different slivers at the same time
            // rather than one waiting for the other's. The order of the tiles does not change any element's sum.
            int firstSliver = rowTask * sliverCount / _rowTasks;

            // The task's rows in blocks of at most MC, sized evenly so the last block is not a sliver of a block.
            int rows = r1 - r0;
            int blocks = (rows + Blocks.MC - 1) / Blocks.MC;
            int mcStep = RoundUp((rows + blocks - 1) / blocks, MR);

            PackBufferPool.Block aPackBlock = PackBufferPool.Shared.Rent((nint)mcStep * _kcStep);
            try
            {
                float* aPack = aPackBlock.Start;
                for (int q = 0; q < _depthBlocks; q++)
                {
                    int pc = q * _kcStep, kc = Math.Min(_kcStep, _k - pc);
                    bool overwrite = pc == 0 && !_accumulate;
                    bool last = q == _depthBlocks - 1;   // the epilogue goes with the last depth block
                    bool relu = last && _relu;
                    for (int ic = r0; ic < r1; ic += mcStep)
                    {
                        int mc = Math.Min(mcStep, r1 - ic);
                        if (_implicitA is ImplicitColumns columns)
                            columns.PackRows(ic, mc, pc, kc, aPack);
                        else
                            PackABlock(_a + ic * _aRs + pc * _aCs, _aRs, _aCs, mc, kc, aPack);
                        for (int t = 0; t < sliverCount; t++)
                        {
                            int s = s0 + (firstSliver + t) % sliverCount;
                            int jr = s * NR;
                            int nr = Math.Min(NR, _nc - jr);
                            float* bSliver = PackedBSliver(q, s);
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int mr = Math.Min(MR, mc - ir);
                                float* aSliver = aPack + (nint)ir * kc;
                                float* cTile = _c + (ic + ir) * _cRs + _jc + jr;
                                float* rowBias = last && _rowBias != null ? _rowBias + ic + ir : null;
                                float* columnBias = last && _columnBias != null ? _columnBias + _jc + jr : null;
                                if (mr == MR && nr == NR)
                                {
                                    // The tile of C is read (or written) only after the micro-kernel's loop: fetching its rows
                                    // now overlaps their misses with the arithmetic (+3-5 % at 1024³ and 2048³, one thread).
                                    if (Sse.IsSupported)
                                        for (int r = 0; r < MR; r++)
                                        {
                                            Sse.Prefetch0(cTile + r * _cRs);
                                            Sse.Prefetch0(cTile + r * _cRs + NR - 1);
                                        }
                                    TKernel.Run(kc, aSliver, bSliver, cTile, _cRs, overwrite, rowBias, columnBias, relu);
                                }
                                else
                                {
                                    TKernel.RunPartial(kc, aSliver, bSliver, cTile, _cRs, mr, nr, overwrite, rowBias, columnBias, relu);
                                }
                            }
                        }
                    }
                }
            }
            finally
            {
                PackBufferPool.Shared.Return(aPackBlock);
            }
        }

        /// <summary>Packs an (mc, kc) block of A into MR-tall slivers, each (kc, MR) p-major; rows past mc are zeros.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PackABlock(float* a, nint rowStride, nint colStride, int mc, int kc, float* dst)
        {
            for (int i0 = 0; i0 < mc; i0 += MR, dst += kc * MR)
            {
                int mr = Math.Min(MR, mc - i0);
                float* src = a + i0 * rowStride;
                if (MR % 4 == 0 && mr == MR && colStride == 1 && Avx.IsSupported)
                {
                    int r = 0;
                    for (; r + 8 <= MR; r += 8)
                        Transpose8Rows(src + r * rowStride, rowStride, kc, dst + r, MR);
                    if (r < MR)
                        Transpose4Rows(src + r * rowStride, rowStride, kc, dst + r, MR);   // the 12×32 tile's last 4 rows, the 4×8 tile's 4
                }
                else if (colStride == 1)
                {
                    // Row-major A: read each row along p (contiguous), write it down the sliver's column r.
                    int r = 0;
                    for (; r < mr; r++)
                    {
                        float* row = src + r * rowStride;
                        for (int p = 0; p < kc; p++)
                            dst[p * MR + r] = row[p];
                    }
                    for (; r < MR; r++)
                        for (int p = 0; p < kc; p++)
                            dst[p * MR + r] = 0f;
                }
                else if (rowStride == 1 && mr == MR)
                {
                    // Transposed A (column-major): the sliver's MR rows at one p are contiguous.
                    for (int p = 0; p < kc; p++)
                        Unsafe.CopyBlockUnaligned(dst + p * MR, src + p * colStride, (uint)(MR * sizeof(float)));
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                        GatherPadded(src + p * colStride, rowStride, mr, dst + p * MR, MR);
                }
            }
        }

        /// <summary>Packs a (kc, nr ≤ NarrowNR) edge sliver of B into (kc, <see cref="IGemmMicroKernel.NarrowNR"/>) p-major; columns past nr are zeros.</summary>
        /// <remarks>
        /// Packed (kc, NR) and then narrowed, the last 4 columns of (100, 784)·(784, 100) wrote 8 times the floats they
        /// keep and moved them again: 1.2 % of the product's time in <see cref="Narrow"/> alone.
        /// </remarks>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PackNarrowBSliver(float* b, nint rowStride, nint colStride, int kc, int nr, float* dst)
        {
            for (int p = 0; p < kc; p++)
                GatherPadded(b + p * rowStride, colStride, nr, dst + p * TKernel.NarrowNR, TKernel.NarrowNR);
        }

        /// <summary>Packs a (kc, nr ≤ NR) sliver of B into (kc, NR) p-major; columns past nr are zeros.</summary>
        /// <remarks>
        /// A full sliver of row-major B is copied a vector at a time: a copy of a variable length goes through a call to
        /// memmove per row, which made packing a third of a 16→16 convolution's forward pass (5.4 → 9.8 ms CPU per batch of 100).
        /// </remarks>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PackBSliver(float* b, nint rowStride, nint colStride, int kc, int nr, float* dst)
        {
            if (colStride == 1)
            {
                // Row-major B: each row of the sliver is nr contiguous floats, then zeros.
                for (int p = 0; p < kc; p++, dst += NR)
                {
                    float* row = b + p * rowStride;
                    if (nr == NR)
                        for (int q = 0; q < NR; q += Vector256<float>.Count)
                            Vector256.Store(Vector256.Load(row + q), dst + q);
                    else
                    {
                        // An edge sliver (the last 4 columns of n = 100): zeros, then the row's nr floats, inline. A copy and a
                        // clear of variable length called memmove and memset for every row: 3 % of (100, 784)·(784, 100).
                        for (int q = 0; q < NR; q += Vector256<float>.Count)
                            Vector256.Store(Vector256<float>.Zero, dst + q);
                        for (int jj = 0; jj < nr; jj++)
                            dst[jj] = row[jj];
                    }
                }
                return;
            }
            int j = 0;
            if (rowStride == 1 && Avx.IsSupported)
                for (; j <= nr - 8; j += 8)   // transposed B: 8 columns, each contiguous along p, at a time
                    Transpose8Rows(b + j * colStride, colStride, kc, dst + j, NR);
            for (int p = 0; p < kc; p++)
                GatherPadded(b + p * rowStride + j * colStride, colStride, nr - j, dst + p * NR + j, NR - j);
        }

        /// <summary><c>dst[i] = src[i·stride]</c> for i &lt; count, then zeros up to <paramref name="width"/>: one row of a sliver from strided floats.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void GatherPadded(float* src, nint stride, int count, float* dst, int width)
        {
            int i = 0;
            for (; i < count; i++)
                dst[i] = src[i * stride];
            for (; i < width; i++)
                dst[i] = 0f;
        }
    }

    /// <summary>Floats of slack a buffer needs so that <see cref="Align"/> can move its start to a 64-byte boundary.</summary>
    internal const int AlignFloats = 64 / sizeof(float);

    /// <summary>The first 64-byte aligned address at or after <paramref name="p"/> (a cache line, the size of a Vector512).</summary>
    internal static float* Align(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    /// <summary>Transposes 8 rows of kc contiguous floats, <paramref name="rowStride"/> apart, into <c>dst[p*dstStride + r]</c>, 8 columns at a time by 8×8 transposes.</summary>
    /// <remarks>
    /// Packs 8 rows of row-major A into a sliver (dstStride = MR = 8): on (78400, 144)·(144, 16) scalar packing of A
    /// took two thirds of the time. Packs 8 columns of a transposed B into a sliver (dstStride = NR): the MLP's
    /// dx = dy·Wᵀ, (100, 100)·(784, 100)ᵀ, took 178 µs with scalar packing and 105-110 µs with this (one thread).
    /// Packs 8 taps of a convolution's column matrix read from the image (<see cref="ImplicitColumns.PackRows"/>). Inlined
    /// into its callers, where the destination stride is a constant: 1024³ on one thread went from 14.0 to 13.85 ms (same
    /// process, alternated). Packing a block of A is bound by L2 traffic, not by these shuffles: 96 rows of 784 floats took
    /// 7.1-7.9 µs with them and with 8×16 transposes on Vector512 (two-source permutes, half the shuffles per float); only
    /// into a destination already in L1 was the wider one faster (5.0 against 6.2 µs).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8Rows(float* src, nint rowStride, int kc, float* dst, int dstStride)
    {
        float* s0 = src, s1 = s0 + rowStride, s2 = s1 + rowStride, s3 = s2 + rowStride;
        float* s4 = s3 + rowStride, s5 = s4 + rowStride, s6 = s5 + rowStride, s7 = s6 + rowStride;
        int p = 0;
        for (; p <= kc - 8; p += 8, dst += 8 * dstStride)
        {
            // t: pairs of rows interleaved; u: quads of rows per column (low lane columns 0-3, high lane 4-7).
            Vector256<float> r0 = Avx.LoadVector256(s0 + p), r1 = Avx.LoadVector256(s1 + p);
            Vector256<float> r2 = Avx.LoadVector256(s2 + p), r3 = Avx.LoadVector256(s3 + p);
            Vector256<float> r4 = Avx.LoadVector256(s4 + p), r5 = Avx.LoadVector256(s5 + p);
            Vector256<float> r6 = Avx.LoadVector256(s6 + p), r7 = Avx.LoadVector256(s7 + p);
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
            Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
            Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
            Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
            Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
            Avx.Store(dst + 1 * dstStride, Avx.Permute2x128(u1, u5, 0x20));
            Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20));
            Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20));
            Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31));
            Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31));
            Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31));
            Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31));
        }
        for (; p < kc; p++, dst += dstStride)
        {
            dst[0] = s0[p]; dst[1] = s1[p]; dst[2] = s2[p]; dst[3] = s3[p];
            dst[4] = s4[p]; dst[5] = s5[p]; dst[6] = s6[p]; dst[7] = s7[p];
        }
    }

    /// <summary>Transposes 4 rows of kc contiguous floats, <paramref name="rowStride"/> apart, into <c>dst[p*dstStride + r]</c>, 4 columns at a time by 4×4 transposes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose4Rows(float* src, nint rowStride, int kc, float* dst, int dstStride)
    {
        float* s0 = src, s1 = s0 + rowStride, s2 = s1 + rowStride, s3 = s2 + rowStride;
        int p = 0;
        for (; p <= kc - 4; p += 4, dst += 4 * dstStride)
        {
            Vector128<float> r0 = Sse.LoadVector128(s0 + p), r1 = Sse.LoadVector128(s1 + p);
            Vector128<float> r2 = Sse.LoadVector128(s2 + p), r3 = Sse.LoadVector128(s3 + p);
            Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackHigh(r0, r1);   // (r0p0 r1p0 r0p1 r1p1), (… p2, p3)
            Vector128<float> t2 = Sse.UnpackLow(r2, r3), t3 = Sse.UnpackHigh(r2, r3);
            Sse.Store(dst, Sse.MoveLowToHigh(t0, t2));
            Sse.Store(dst + dstStride, Sse.MoveHighToLow(t2, t0));
            Sse.Store(dst + 2 * dstStride, Sse.MoveLowToHigh(t1, t3));
            Sse.Store(dst + 3 * dstStride, Sse.MoveHighToLow(t3, t1));
        }
        for (; p < kc; p++, dst += dstStride)
        {
            dst[0] = s0[p]; dst[1] = s1[p]; dst[2] = s2[p]; dst[3] = s3[p];
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
