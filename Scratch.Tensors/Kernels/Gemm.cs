namespace Scratch.Tensors.Kernels;

/// <summary>General matrix multiply on strided spans: <c>C = relu?(A·B (+ C) + bias)</c>.</summary>
/// <remarks>
/// A is (m, k), B is (k, n), C is (m, n). A and B are read through row and column strides (in elements, ≥ 0),
/// so transposed views (row stride 1) and broadcasts (stride 0) need no copy; C has unit column stride.
/// An optional bias, one per row (m) or one per column (n), and ReLU are applied by the kernel's store.
/// </remarks>
public static class Gemm
{
    /// <summary>The kernel used by the overload without a <see cref="GemmKernel"/> argument (a run-time switch for benchmarks and tests).</summary>
    public static GemmKernel Default { get; set; } = GemmKernel.Auto;

    // Measured on the 2-core Zen machine with the 6×16 Vector256 tile (GFLOP/s, Naive / Vectorized / Blocked, one thread;
    // the 8×32 Vector512 tile is faster still, so these thresholds only err towards the simpler kernels):
    //   8³: 3.6 / 3.7 / 4.2, 10³: 3.8 / 3.4 / 7.5, 16³: 4.0 / 6.6 / 26, 32³: - / 12 / 62: Blocked wins from tiny
    //   sizes on; below ~512 multiply-adds all are call overhead and Naive has the least.
    //   (1, 100)·(100, 100): 3.8 / 24 / 7.7 and m = 2: 2.5 / 21 / 15: one or two rows of C are a few axpys,
    //   which Vectorized does without packing. (100, 100)·(100, 1): 4.3 / 0.6 / 3.6: a matrix-vector product.
    internal const long NaiveMaxMultiplyAdds = 512;

    /// <summary>Compiles the GEMM kernels for this machine's tile, starts their worker threads and allocates their packing buffers (4 MiB, plus a quarter of the L2 cache for each core, up to 8), on a background thread; the task completes when that is done.</summary>
    /// <remarks>
    /// The first use of <see cref="NDArray"/> starts this by itself (unless the <see cref="AppContext"/> switch
    /// <c>Scratch.Tensors.DisableKernelWarmUp</c> is set), so a program rarely needs to call it; waiting on it before
    /// timing a first product makes that product run at its steady speed. Calling it again returns the same task. The
    /// task never faults and the warm-up changes no result.
    /// </remarks>
    public static Task WarmUpAsync() => KernelWarmUp.RunAsync();

    /// <summary>The kernel <see cref="GemmKernel.Auto"/> resolves to for an (m, k)·(k, n) product.</summary>
    public static GemmKernel Choose(int m, int n, int k)
    {
        if (n == 1 || (long)m * n * k <= NaiveMaxMultiplyAdds)
            return GemmKernel.Naive;
        if (m <= 2)
            return GemmKernel.Vectorized;
        return GemmKernel.Blocked;
    }

    /// <summary><c>C = relu?(A·B (+ C) + bias)</c>, with the kernel <see cref="Default"/>.</summary>
    /// <remarks>See <see cref="Multiply(GemmKernel, int, int, int, ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, int, Span{float}, int, bool, ReadOnlySpan{float}, ReadOnlySpan{float}, bool)"/>.</remarks>
    public static void Multiply(int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int cRowStride, bool accumulate = false,
        ReadOnlySpan<float> rowBias = default, ReadOnlySpan<float> columnBias = default, bool relu = false)
        => Multiply(Default, m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate, rowBias, columnBias, relu);

    /// <summary><c>C[i, j] = relu?(Σ_p A[i, p]·B[p, j] (+ C[i, j]) + columnBias[j] + rowBias[i])</c>.</summary>
    /// <remarks>
    /// A is (m, k) with element (i, p) at <c>a[i*aRowStride + p*aColStride]</c>;
    /// B is (k, n) with element (p, j) at <c>b[p*bRowStride + j*bColStride]</c>;
    /// C is (m, n) with element (i, j) at <c>c[i*cRowStride + j]</c> (unit column stride).
    /// Strides are in elements and may be anything ≥ 0; the spans start at the first element.
    /// <paramref name="accumulate"/> adds the product to C instead of overwriting it. <paramref name="rowBias"/> (m
    /// values) and <paramref name="columnBias"/> (n values) are empty for none; with <paramref name="relu"/> every
    /// element ends as <c>max(x, 0)</c>. All three are applied once per element, as the product is stored.
    /// k = 0 sets C to relu?(bias) (or relu?(C + bias) when accumulating). C must not overlap A, B or a bias.
    /// Elements of <paramref name="c"/> outside the (m, n) view (row padding) are never touched.
    /// </remarks>
    /// <exception cref="ArgumentException">A dimension or stride is negative, rows of C overlap, a span is too short, or a bias has the wrong length.</exception>
    public static void Multiply(GemmKernel kernel, int m, int n, int k,
        ReadOnlySpan<float> a, int aRowStride, int aColStride,
        ReadOnlySpan<float> b, int bRowStride, int bColStride,
        Span<float> c, int cRowStride, bool accumulate = false,
        ReadOnlySpan<float> rowBias = default, ReadOnlySpan<float> columnBias = default, bool relu = false)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"Gemm.Multiply: dimensions must be non-negative, got (m={m}, n={n}, k={k}).", m < 0 ? nameof(m) : n < 0 ? nameof(n) : nameof(k));
        if (aRowStride < 0 || aColStride < 0)
            throw new ArgumentException($"Gemm.Multiply: a strides must be non-negative, got ({aRowStride}, {aColStride}).", nameof(a));
        if (bRowStride < 0 || bColStride < 0)
            throw new ArgumentException($"Gemm.Multiply: b strides must be non-negative, got ({bRowStride}, {bColStride}).", nameof(b));
        if (cRowStride < 0 || (m > 1 && n > 0 && cRowStride < n))
            throw new ArgumentException($"Gemm.Multiply: c row stride {cRowStride} is less than n={n}, so rows of c would overlap.", nameof(c));
        CheckLength(a.Length, nameof(a), "m", m, "k", k, aRowStride, aColStride);
        CheckLength(b.Length, nameof(b), "k", k, "n", n, bRowStride, bColStride);
        CheckLength(c.Length, nameof(c), "m", m, "n", n, cRowStride, 1);
        if (!rowBias.IsEmpty && rowBias.Length != m)
            throw new ArgumentException($"Gemm.Multiply: rowBias has {rowBias.Length} elements, expected m={m} (or none).", nameof(rowBias));
        if (!columnBias.IsEmpty && columnBias.Length != n)
            throw new ArgumentException($"Gemm.Multiply: columnBias has {columnBias.Length} elements, expected n={n} (or none).", nameof(columnBias));

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

        if (kernel == GemmKernel.Auto)
            kernel = Choose(m, n, k);
        switch (kernel)
        {
            case GemmKernel.Naive:
                GemmNaive.Multiply(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate, rowBias, columnBias, relu);
                break;
            case GemmKernel.Vectorized:
                GemmVectorized.Multiply(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate, rowBias, columnBias, relu);
                break;
            case GemmKernel.Blocked:
                GemmBlocked.Multiply(m, n, k, a, aRowStride, aColStride, b, bRowStride, bColStride, c, cRowStride, accumulate, rowBias, columnBias, relu);
                break;
            default:
                throw new ArgumentException($"Gemm.Multiply: unknown kernel {kernel}.", nameof(kernel));
        }
    }

    /// <summary>Throws unless a span of <paramref name="length"/> holds every element of a (rows, cols) view with these strides.</summary>
    private static void CheckLength(int length, string name, string rowName, int rows, string colName, int cols, int rowStride, int colStride)
    {
        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * rowStride + (long)(cols - 1) * colStride + 1;
        if (length < needed)
            throw new ArgumentException(
                $"Gemm.Multiply: {name} has {length} elements, ({rowName}={rows}, {colName}={cols}) with strides ({rowStride}, {colStride}) needs {needed}.", name);
    }
}
