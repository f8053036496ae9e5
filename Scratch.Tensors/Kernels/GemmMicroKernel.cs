namespace Scratch.Tensors.Kernels;

/// <summary>A register tile of <see cref="GemmBlocked"/>: an (MR, NR) block of C from packed slivers of A and B.</summary>
/// <remarks>
/// Implemented by structs, so <c>GemmBlocked</c>'s generic driver is compiled once per tile, with MR and NR as
/// constants in its packing loops. Its block sizes follow from the tile's slivers and the caches (<see cref="GemmBlockSizes"/>).
/// The micro-kernels are marked <c>AggressiveOptimization</c>, so they run optimized code from their first call
/// instead of tier-0 code: measured on 1024³ in fresh processes, the first call ran at 0.37-0.53 of the steady
/// speed with it and 0.12-0.22 without (one thread), and the second call of <c>MatMul</c> at full speed rather than
/// 5-12 GFLOP/s. The driver's task and packing loops are marked too: without it they ran as tier-0 code (each
/// vector intrinsic a call) until on-stack replacement, so the first two calls of MatMul 1024³ in a fresh process
/// took 62-86 and 26-47 ms against a steady 14-18 ms; with it 48-64 and 18-23 ms (JIT time of the first call 32-50 →
/// 22-33 ms). The rest of the first call is the JIT compiling the call path once.
/// </remarks>
internal unsafe interface IGemmMicroKernel
{
    /// <summary>Rows of the register tile (height of a packed sliver of A).</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the register tile (width of a packed sliver of B).</summary>
    static abstract int NR { get; }

    /// <summary>
    /// An edge sliver of B this narrow or narrower is packed (kc, NarrowNR) p-major instead of (kc, NR), and
    /// <see cref="RunPartial"/> reads it so; 0 for a tile without such an edge kernel.
    /// </summary>
    static abstract int NarrowNR { get; }

    /// <summary><c>C[r, j] = relu?(Σ_p a[p*MR + r] · b[p*NR + j] (+ C[r, j]) + (columnBias[j] + rowBias[r]))</c> for r &lt; MR, j &lt; NR, p &lt; kc.</summary>
    /// <remarks>
    /// a: packed sliver of A, (kc, MR) p-major. b: packed sliver of B, (kc, NR) p-major, 64-byte aligned. c: the
    /// tile's top-left element, rows <paramref name="ldc"/> apart. Overwrites C when <paramref name="overwrite"/>,
    /// else adds to it. The epilogue (see <see cref="GemmEpilogue"/>): <paramref name="rowBias"/> (MR values) and
    /// <paramref name="columnBias"/> (NR values) are null for none, and <paramref name="relu"/> clamps at 0; the
    /// driver passes them only with the last depth block of the tile.
    /// </remarks>
    static abstract void Run(int kc, float* a, float* b, float* c, nint ldc, bool overwrite, float* rowBias, float* columnBias, bool relu);

    /// <summary>As <see cref="Run"/> for an edge tile: only rows r &lt; <paramref name="mr"/> and columns j &lt; <paramref name="nr"/> of C are read and written.</summary>
    /// <remarks>
    /// The slivers are full (zero-padded), a sliver of B of at most <see cref="NarrowNR"/> columns (kc, NarrowNR);
    /// <paramref name="rowBias"/> has mr values and <paramref name="columnBias"/> nr.
    /// </remarks>
    static abstract void RunPartial(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr, bool overwrite, float* rowBias, float* columnBias, bool relu);
}

/// <summary>The register tiles <see cref="GemmBlocked"/> can use, narrowest first.</summary>
internal enum GemmTile
{
    /// <summary><see cref="GemmMicroKernel128"/>: (4, 8) on Vector128 (SSE or AdvSimd, machines without AVX2 + FMA).</summary>
    Vector128,

    /// <summary><see cref="GemmMicroKernel256"/>: (6, 16) on Vector256 + FMA (AVX2 machines).</summary>
    Vector256,

    /// <summary><see cref="GemmMicroKernel512"/>: (8, 32) on Vector512 (AVX-512F machines).</summary>
    Vector512,

    /// <summary><see cref="GemmMicroKernel512Tall"/>: (12, 32) on Vector512, for large products (<see cref="GemmBlocked.PrefersTallTile"/>).</summary>
    Vector512Tall,
}
