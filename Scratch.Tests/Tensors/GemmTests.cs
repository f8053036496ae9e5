using NUnit.Framework;
using Scratch.Tensors.Kernels;

namespace Scratch.Tests.Tensors;

[TestFixture]
public class GemmTests
{
    private static readonly int[] AwkwardSizes = [1, 7, 33, 64, 100, 257];

    /// <summary>
    /// A kernel to test: a <see cref="GemmKernel"/> through <c>Gemm.Multiply</c>, one register tile of Blocked forced
    /// (its packed path, whatever the shape), or Blocked's direct path for few rows (<see cref="GemmDirect512"/>) forced.
    /// </summary>
    public sealed class Variant
    {
        private readonly GemmKernel _kernel;
        private readonly GemmTile? _tile;
        private readonly bool _direct;

        internal Variant(GemmKernel kernel, GemmTile? tile = null, bool direct = false) => (_kernel, _tile, _direct) = (kernel, tile, direct);

        public override string ToString() => _direct ? "Blocked(direct)" : _tile is { } tile ? $"Blocked({tile})" : _kernel.ToString();

        /// <summary>As <c>Gemm.Multiply</c>; a forced tile runs on up to <paramref name="maxThreads"/> threads.</summary>
        /// <remarks>The direct path reads B with unit column stride: a B with other strides is copied to a row-major (k, n) first.</remarks>
        public void Multiply(int m, int n, int k, ReadOnlySpan<float> a, int aRs, int aCs, ReadOnlySpan<float> b, int bRs, int bCs,
            Span<float> c, int cRs, bool accumulate = false, int maxThreads = 0,
            ReadOnlySpan<float> rowBias = default, ReadOnlySpan<float> columnBias = default, bool relu = false)
        {
            if (_direct)
            {
                if (bCs != 1)
                {
                    var rowMajor = new float[k * n];
                    for (int p = 0; p < k; p++)
                        for (int j = 0; j < n; j++)
                            rowMajor[p * n + j] = b[p * bRs + j * bCs];
                    b = rowMajor;
                    bRs = n;
                }
                GemmDirect512.Multiply(m, n, k, a, aRs, aCs, b, bRs, c, cRs, accumulate, rowBias, columnBias, relu);
            }
            else if (_tile is { } tile)
                GemmBlocked.Multiply(m, n, k, a, aRs, aCs, b, bRs, bCs, c, cRs, accumulate, rowBias, columnBias, relu,
                    maxThreads > 0 ? maxThreads : Environment.ProcessorCount, tile);
            else
                Gemm.Multiply(_kernel, m, n, k, a, aRs, aCs, b, bRs, bCs, c, cRs, accumulate, rowBias, columnBias, relu);
        }
    }

    /// <summary>
    /// Each register tile of Blocked this machine supports, forced: Vector128 (4×8) everywhere, Vector256 (6×16) on
    /// AVX2 + FMA machines and Vector512 (8×32) where AVX-512F exists, whatever the runtime's preferred vector width.
    /// A tile the machine lacks is not generated at all (rather than skipped); Blocked through <c>Gemm.Multiply</c>
    /// runs the widest.
    /// </summary>
    private static IEnumerable<Variant> BlockedTiles() => GemmBlocked.SupportedTiles().Select(tile => new Variant(GemmKernel.Blocked, tile));

    /// <summary>Every <see cref="GemmKernel"/> (Blocked with the widest tile), then each supported tile of Blocked forced, then the direct path where AVX-512F exists.</summary>
    private static IEnumerable<Variant> AllKernels() =>
        Enum.GetValues<GemmKernel>().Select(kernel => new Variant(kernel)).Concat(BlockedTiles())
            .Concat(GemmBlocked.IsSupported(GemmTile.Vector512) ? [new Variant(GemmKernel.Blocked, direct: true)] : []);

    private static float[] RandomArray(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++)
            x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Reference in double: C[i, j] and Σ_p |A[i, p]|·|B[p, j]|, the scale of its rounding error.</summary>
    private static (double[] C, double[] Scale) Reference(int m, int n, int k,
        float[] a, int aOffset, int aRs, int aCs, float[] b, int bOffset, int bRs, int bCs)
    {
        var c = new double[m * n];
        var scale = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double prod = (double)a[aOffset + i * aRs + p * aCs] * b[bOffset + p * bRs + j * bCs];
                    sum += prod;
                    abs += Math.Abs(prod);
                }
                c[i * n + j] = sum;
                scale[i * n + j] = abs;
            }
        return (c, scale);
    }

    /// <summary>|C - reference| ≤ 1e-5·(1 + Σ|a||b|) for every (i, j) of the (m, n) view of <paramref name="c"/>.</summary>
    private static void AssertClose(float[] c, int cOffset, int cRs, int m, int n, double[] expected, double[] scale, string what)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double diff = Math.Abs(c[cOffset + i * cRs + j] - expected[i * n + j]);
                double tol = 1e-5 * (1 + scale[i * n + j]);
                if (!(diff <= tol))
                    Assert.Fail($"{what}: C[{i}, {j}] = {c[cOffset + i * cRs + j]}, expected {expected[i * n + j]} (|diff| {diff:g3} > {tol:g3})");
            }
    }

    [Test]
    public void AllKernels_MatchNaive_OnAwkwardSizes([ValueSource(nameof(AllKernels))] Variant kernel)
    {
        var rng = new Random(1234);
        foreach (int m in AwkwardSizes)
            foreach (int n in AwkwardSizes)
                foreach (int k in AwkwardSizes)
                {
                    float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n);
                    var expected = new float[m * n];
                    var actual = new float[m * n];
                    Gemm.Multiply(GemmKernel.Naive, m, n, k, a, k, 1, b, n, 1, expected, n);
                    kernel.Multiply(m, n, k, a, k, 1, b, n, 1, actual, n);
                    for (int x = 0; x < expected.Length; x++)
                    {
                        float tol = 1e-5f * (1 + k);   // |a|, |b| ≤ 1 so Σ|a||b| ≤ k
                        if (!(Math.Abs(actual[x] - expected[x]) <= tol))
                            Assert.Fail($"{kernel} (m={m}, n={n}, k={k}): C[{x / n}, {x % n}] = {actual[x]}, Naive gives {expected[x]}");
                    }
                }
    }

    [Test]
    public void Naive_MatchesDoubleReference()
    {
        var rng = new Random(7);
        const int m = 33, n = 17, k = 100;
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n);
        var c = new float[m * n];
        Gemm.Multiply(GemmKernel.Naive, m, n, k, a, k, 1, b, n, 1, c, n);
        var (expected, scale) = Reference(m, n, k, a, 0, k, 1, b, 0, n, 1);
        AssertClose(c, 0, n, m, n, expected, scale, "Naive");
    }

    [Test]
    public void Golden_TwoByTwo()
    {
        // [1 2; 3 4]·[5 6; 7 8] = [1·5+2·7, 1·6+2·8; 3·5+4·7, 3·6+4·8] = [19 22; 43 50]
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8];
        foreach (Variant kernel in AllKernels())
        {
            var c = new float[4];
            kernel.Multiply(2, 2, 2, a, 2, 1, b, 2, 1, c, 2);
            Assert.That(c, Is.EqualTo(new float[] { 19, 22, 43, 50 }), $"{kernel}");
        }
    }

    /// <summary>A layout of a (rows, cols) matrix inside a larger buffer.</summary>
    public sealed record Layout(string Name, bool Transposed, int Step, int Offset)
    {
        public override string ToString() => Name;

        /// <summary>Buffer, offset and strides holding a random (rows, cols) matrix in this layout.</summary>
        public (float[] Data, int Offset, int RowStride, int ColStride) Make(Random rng, int rows, int cols)
        {
            int rs = Transposed ? Step : cols * Step, cs = Transposed ? rows * Step : Step;
            var data = new float[Offset + rows * cols * Step + 3];
            for (int i = 0; i < data.Length; i++)
                data[i] = 1e6f;   // garbage between elements: must never be read
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    data[Offset + i * rs + j * cs] = (float)(rng.NextDouble() * 2 - 1);
            return (data, Offset, rs, cs);
        }
    }

    private static readonly Layout[] Layouts =
    [
        new("contiguous", false, 1, 0),
        new("transposed", true, 1, 0),
        new("every other element", false, 2, 0),
        new("offset", false, 1, 5),
        new("transposed, strided, offset", true, 2, 3),
    ];

    private static IEnumerable<TestCaseData> LayoutCases()
    {
        foreach (Variant kernel in AllKernels())
            foreach (Layout la in Layouts)
                foreach (Layout lb in Layouts)
                    yield return new TestCaseData(kernel, la, lb);
    }

    [TestCaseSource(nameof(LayoutCases))]
    public void AllKernels_MatchReference_OnStridedViews(Variant kernel, Layout aLayout, Layout bLayout)
    {
        var rng = new Random(42);
        foreach ((int m, int n, int k) in new[] { (7, 33, 5), (40, 21, 70), (67, 130, 300) })
        {
            var (a, aOff, aRs, aCs) = aLayout.Make(rng, m, k);
            var (b, bOff, bRs, bCs) = bLayout.Make(rng, k, n);
            var c = new float[m * n];
            kernel.Multiply(m, n, k, a.AsSpan(aOff), aRs, aCs, b.AsSpan(bOff), bRs, bCs, c, n);
            var (expected, scale) = Reference(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs);
            AssertClose(c, 0, n, m, n, expected, scale, $"{kernel} a {aLayout}, b {bLayout} (m={m}, n={n}, k={k})");
        }
    }

    [Test]
    public void AllKernels_BroadcastRowOfA([ValueSource(nameof(AllKernels))] Variant kernel)
    {
        // A = one row of k values repeated m times (row stride 0): every row of C is the same.
        var rng = new Random(3);
        const int m = 50, n = 37, k = 90;
        float[] a = RandomArray(rng, k), b = RandomArray(rng, k * n);
        var c = new float[m * n];
        kernel.Multiply(m, n, k, a, 0, 1, b, n, 1, c, n);
        var (expected, scale) = Reference(m, n, k, a, 0, 0, 1, b, 0, n, 1);
        AssertClose(c, 0, n, m, n, expected, scale, $"{kernel}");
    }

    [Test]
    public void AllKernels_BroadcastColumnOfB([ValueSource(nameof(AllKernels))] Variant kernel)
    {
        // B = one column of k values repeated n times (column stride 0).
        var rng = new Random(4);
        const int m = 29, n = 41, k = 64;
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k);
        var c = new float[m * n];
        kernel.Multiply(m, n, k, a, k, 1, b, 1, 0, c, n);
        var (expected, scale) = Reference(m, n, k, a, 0, k, 1, b, 0, 1, 0);
        AssertClose(c, 0, n, m, n, expected, scale, $"{kernel}");
    }

    [Test]
    public void AllKernels_Accumulate_AddsToC([ValueSource(nameof(AllKernels))] Variant kernel)
    {
        var rng = new Random(5);
        foreach ((int m, int n, int k) in new[] { (3, 5, 4), (61, 47, 300), (200, 150, 120) })
        {
            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
            var c = (float[])c0.Clone();
            kernel.Multiply(m, n, k, a, k, 1, b, n, 1, c, n, accumulate: true);
            var (expected, scale) = Reference(m, n, k, a, 0, k, 1, b, 0, n, 1);
            for (int x = 0; x < expected.Length; x++)
            {
                expected[x] += c0[x];
                scale[x] += Math.Abs(c0[x]);
            }
            AssertClose(c, 0, n, m, n, expected, scale, $"{kernel} (m={m}, n={n}, k={k})");
        }
    }

    [Test]
    public void AllKernels_PaddedRowsOfC_LeavePaddingUntouched([ValueSource(nameof(AllKernels))] Variant kernel)
    {
        var rng = new Random(6);
        foreach ((int m, int n, int k) in new[] { (5, 3, 2), (70, 35, 90), (130, 100, 260) })
        {
            int cRs = n + 7, cOff = 4;
            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n);
            var c = new float[cOff + m * cRs + 5];
            Array.Fill(c, -42f);
            kernel.Multiply(m, n, k, a, k, 1, b, n, 1, c.AsSpan(cOff), cRs);
            var (expected, scale) = Reference(m, n, k, a, 0, k, 1, b, 0, n, 1);
            AssertClose(c, cOff, cRs, m, n, expected, scale, $"{kernel} (m={m}, n={n}, k={k})");
            for (int x = 0; x < c.Length; x++)
            {
                int i = (x - cOff) / cRs, j = (x - cOff) % cRs;
                bool inView = x >= cOff && i < m && j < n;
                if (!inView)
                    Assert.That(c[x], Is.EqualTo(-42f), $"{kernel} (m={m}, n={n}, k={k}): padding c[{x}] was written");
            }
        }
    }

    [Test]
    public void AllKernels_KZero_ZeroesCOrLeavesItWhenAccumulating([ValueSource(nameof(AllKernels))] Variant kernel)
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        kernel.Multiply(2, 3, 0, [], 0, 0, [], 0, 0, c, 3, accumulate: true);
        Assert.That(c, Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        kernel.Multiply(2, 3, 0, [], 0, 0, [], 0, 0, c, 3, accumulate: true, columnBias: [-5, 0, 1], relu: true);
        Assert.That(c, Is.EqualTo(new float[] { 0, 2, 4, 0, 5, 7 }));     // relu(C + [-5 0 1])
        kernel.Multiply(2, 3, 0, [], 0, 0, [], 0, 0, c, 3, rowBias: [2, -1]);
        Assert.That(c, Is.EqualTo(new float[] { 2, 2, 2, -1, -1, -1 }));  // 0 + bias
        kernel.Multiply(2, 3, 0, [], 0, 0, [], 0, 0, c, 3);
        Assert.That(c, Is.EqualTo(new float[6]));
    }

    [Test]
    public void AllKernels_EmptyMOrN_DoNothing([ValueSource(nameof(AllKernels))] Variant kernel)
    {
        var c = new float[] { 9, 9, 9 };
        kernel.Multiply(0, 3, 4, [], 4, 1, new float[12], 3, 1, c, 3);
        kernel.Multiply(3, 0, 4, new float[12], 4, 1, [], 0, 1, c, 1);
        Assert.That(c, Is.EqualTo(new float[] { 9, 9, 9 }));
    }

    [Test]
    public void Blocked_MatchesNaive_AcrossDepthBlocksAndThreadSplits([ValueSource(nameof(BlockedTiles))] Variant tile)
    {
        // k > KC (at most 768 by GemmBlockSizes' rule): later depth blocks add to C; (10, 2000): too few rows for every thread, so C is split by columns;
        // (700, 20): split by rows, the tasks sharing each packed sliver of B, with edge tiles in both directions;
        // (20, 2100, 2100): B too large to pack at once (more than 2²² floats), so C is done in two column panels.
        var rng = new Random(9);
        foreach ((int m, int n, int k) in new[] { (50, 70, 1100), (10, 2000, 900), (700, 20, 1000), (20, 2100, 2100) })
            foreach (bool accumulate in new[] { false, true })
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
                    float[] expected = (float[])c0.Clone(), actual = (float[])c0.Clone();
                    Gemm.Multiply(GemmKernel.Naive, m, n, k, a, 1, m, b, n, 1, expected, n, accumulate);   // A transposed
                    tile.Multiply(m, n, k, a, 1, m, b, n, 1, actual, n, accumulate, threads);
                    for (int x = 0; x < expected.Length; x++)
                        if (!(Math.Abs(actual[x] - expected[x]) <= 1e-5f * (1 + k)))
                            Assert.Fail($"{tile} (m={m}, n={n}, k={k}, accumulate={accumulate}, threads={threads}): C[{x / n}, {x % n}] = {actual[x]}, Naive gives {expected[x]}");
                }
    }

    [Test]
    public void Blocked_MultiThreaded_IsBitIdenticalOnRepeatedRuns([ValueSource(nameof(BlockedTiles))] Variant tile)
    {
        var rng = new Random(8);
        const int m = 300, n = 300, k = 300;
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n);
        var first = new float[m * n];
        tile.Multiply(m, n, k, a, k, 1, b, n, 1, first, n, maxThreads: Environment.ProcessorCount);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var other = new float[m * n];
            tile.Multiply(m, n, k, a, k, 1, b, n, 1, other, n, maxThreads: threads);
            Assert.That(other, Is.EqualTo(first), $"{tile}: {threads} threads vs all threads");
        }
        for (int run = 0; run < 10; run++)
        {
            var again = new float[m * n];
            tile.Multiply(m, n, k, a, k, 1, b, n, 1, again, n);
            Assert.That(again, Is.EqualTo(first), $"{tile}: run={run}");
        }
    }

    [Test]
    public void Blocked_WithoutATile_UsesTheTileForTheProduct()
    {
        // Blocked through Gemm.Multiply must give the same bits as the tile TileFor names, forced: the widest supported,
        // and on AVX-512 the 12×32 one from 240 rows and 256 columns, where B is larger than L2.
        var rng = new Random(10);
        int depth = (int)(GemmBlockSizes.Caches.L2 / sizeof(float) / 256) + 1;   // (depth, 256) floats of B: just over L2
        foreach ((int m, int n, int k) in new[] { (70, 90, 300), (239, 256, depth), (240, 256, depth), (240, 255, depth + 8), (240, 256, depth - 1) })
        {
            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n);
            var viaGemm = new float[m * n];
            Gemm.Multiply(GemmKernel.Blocked, m, n, k, a, k, 1, b, n, 1, viaGemm, n);
            GemmTile? tile = GemmBlocked.TileFor(m, n, k);
            Assume.That(tile, Is.Not.Null, "no SIMD: Blocked falls back to Vectorized");
            if (GemmBlocked.IsSupported(GemmTile.Vector512))
                Assert.That(tile, Is.EqualTo(m >= 240 && n >= 256 && k >= depth ? GemmTile.Vector512Tall : GemmTile.Vector512), $"({m}, {n}, {k})");
            var forced = new float[m * n];
            new Variant(GemmKernel.Blocked, tile).Multiply(m, n, k, a, k, 1, b, n, 1, forced, n);
            Assert.That(viaGemm, Is.EqualTo(forced), $"({m}, {n}, {k}): {tile}");
        }
    }

    [Test]
    public void TallTile_IsBitIdentical_ToThe8x32Tile()
    {
        // Both tiles add each element's products in order of p over the same depth blocks; only an edge of at most 4
        // columns (which the 8×32 tile sums in two chains) differs. Rows 12k + 7 leave a partial sliver of the tall tile,
        // n = 300 a half sliver of columns, k = 1700 several depth blocks; with accumulation, both biases and ReLU, 1-3 threads.
        const int m = 247, n = 300, k = 1700;
        if (!GemmBlocked.IsSupported(GemmTile.Vector512Tall))
        {
            Assert.That(GemmBlocked.TileFor(m, n, k), Is.Not.EqualTo(GemmTile.Vector512Tall), "without AVX-512F there is no tall tile");
            return;
        }
        var rng = new Random(16);
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
        float[] rowBias = RandomArray(rng, m), columnBias = RandomArray(rng, n);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            float[] tall = (float[])c0.Clone(), wide = (float[])c0.Clone();
            new Variant(GemmKernel.Blocked, GemmTile.Vector512Tall).Multiply(m, n, k, a, k, 1, b, n, 1, tall, n, true, threads, rowBias, columnBias, relu: true);
            new Variant(GemmKernel.Blocked, GemmTile.Vector512).Multiply(m, n, k, a, k, 1, b, n, 1, wide, n, true, threads, rowBias, columnBias, relu: true);
            Assert.That(tall, Is.EqualTo(wide), $"{threads} threads");
        }
    }

    [Test]
    public void Blocked_FewRows_GoStraightFromTheOperands()
    {
        // Up to 16 rows (two slivers of the 8×32 tile) Blocked reads B where it lies; from 17 rows it packs both operands.
        if (!GemmBlocked.IsSupported(GemmTile.Vector512))
        {
            Assert.That(GemmDirect512.Applies(16, 90, 300, bColStride: 1), Is.False, "without AVX-512F there is no direct path");
            return;
        }
        var rng = new Random(11);
        const int n = 90, k = 300;
        foreach ((int m, Variant expectedPath) in new[] { (16, new Variant(GemmKernel.Blocked, direct: true)), (17, new Variant(GemmKernel.Blocked, GemmTile.Vector512)) })
        {
            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n);
            var viaGemm = new float[m * n];
            Gemm.Multiply(GemmKernel.Blocked, m, n, k, a, k, 1, b, n, 1, viaGemm, n);
            var forced = new float[m * n];
            expectedPath.Multiply(m, n, k, a, k, 1, b, n, 1, forced, n);
            Assert.That(viaGemm, Is.EqualTo(forced), $"m={m}: Blocked should take {expectedPath}");
        }
        Assert.That(GemmDirect512.Applies(16, n, k, bColStride: n), Is.False, "B with a column stride other than 1 is packed");
    }

    /// <summary>Which bias the epilogue adds: none, one per row of C, or one per column.</summary>
    public enum BiasKind { None, PerRow, PerColumn }

    /// <summary>|actual - expected| ≤ 1e-5·(k + 3) for every element: |a|, |b|, |c0|, |bias| ≤ 1.</summary>
    private static void AssertCloseToNaive(float[] actual, float[] expected, int n, int k, string what)
    {
        for (int x = 0; x < expected.Length; x++)
            if (!(Math.Abs(actual[x] - expected[x]) <= 1e-5f * (k + 3)) && !(float.IsNaN(actual[x]) && float.IsNaN(expected[x])))
                Assert.Fail($"{what}: C[{x / n}, {x % n}] = {actual[x]}, Naive gives {expected[x]}");
    }

    [Test]
    public void AllKernels_Epilogue_MatchesNaive([ValueSource(nameof(AllKernels))] Variant kernel)
    {
        // Every accumulate × bias kind × ReLU, with A plain and transposed; k = 257 and 300 cross Blocked's depth
        // blocks (the epilogue belongs to the last one only), and the odd m, n leave edge tiles on both sides.
        var rng = new Random(11);
        foreach ((int m, int n, int k) in new[] { (1, 1, 1), (7, 33, 5), (33, 7, 257), (67, 130, 300), (257, 50, 33) })
            foreach (bool transposedA in new[] { false, true })
                foreach (bool accumulate in new[] { false, true })
                    foreach (BiasKind biasKind in Enum.GetValues<BiasKind>())
                        foreach (bool relu in new[] { false, true })
                        {
                            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
                            float[] rowBias = biasKind == BiasKind.PerRow ? RandomArray(rng, m) : [];
                            float[] columnBias = biasKind == BiasKind.PerColumn ? RandomArray(rng, n) : [];
                            int aRs = transposedA ? 1 : k, aCs = transposedA ? m : 1;
                            float[] expected = (float[])c0.Clone(), actual = (float[])c0.Clone();
                            Gemm.Multiply(GemmKernel.Naive, m, n, k, a, aRs, aCs, b, n, 1, expected, n, accumulate, rowBias, columnBias, relu);
                            kernel.Multiply(m, n, k, a, aRs, aCs, b, n, 1, actual, n, accumulate, 0, rowBias, columnBias, relu);
                            AssertCloseToNaive(actual, expected, n, k,
                                $"{kernel} (m={m}, n={n}, k={k}, aT={transposedA}, accumulate={accumulate}, bias={biasKind}, relu={relu})");
                            if (relu)
                                Assert.That(actual.All(x => x >= 0f), $"{kernel}: ReLU left a negative value");
                        }
    }

    [Test]
    public void Blocked_EdgeTiles_MatchNaive([ValueSource(nameof(BlockedTiles))] Variant tile)
    {
        // Every shape of edge tile: rows 1-13 (a short tile of at most 4 rows, a full one of 8 or 12, one past it),
        // columns around 4, 16 and 32 (the narrow tile of at most 4 columns, the half tile, full slivers), odd and even
        // depths (the narrow tile sums even and odd p apart), with accumulation, both bias kinds and ReLU in the store.
        var rng = new Random(14);
        foreach (int m in new[] { 1, 3, 4, 5, 8, 9, 11, 12, 13 })
            foreach (int n in new[] { 1, 2, 4, 5, 16, 17, 33, 36, 100 })
                foreach (int k in new[] { 1, 2, 7, 8 })
                    foreach (BiasKind biasKind in new[] { BiasKind.PerRow, BiasKind.PerColumn })
                    {
                        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
                        float[] rowBias = biasKind == BiasKind.PerRow ? RandomArray(rng, m) : [];
                        float[] columnBias = biasKind == BiasKind.PerColumn ? RandomArray(rng, n) : [];
                        float[] expected = (float[])c0.Clone(), actual = (float[])c0.Clone();
                        Gemm.Multiply(GemmKernel.Naive, m, n, k, a, k, 1, b, n, 1, expected, n, true, rowBias, columnBias, relu: true);
                        tile.Multiply(m, n, k, a, k, 1, b, n, 1, actual, n, true, 1, rowBias, columnBias, relu: true);
                        AssertCloseToNaive(actual, expected, n, k, $"{tile} (m={m}, n={n}, k={k}, bias={biasKind})");
                    }
    }

    [Test]
    public void Naive_Epilogue_Golden()
    {
        // A·B = [1 2; 3 4]·[5 6; 7 8] = [19 22; 43 50]
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8];
        var c = new float[4];
        Gemm.Multiply(GemmKernel.Naive, 2, 2, 2, a, 2, 1, b, 2, 1, c, 2, columnBias: [-20, 0]);
        Assert.That(c, Is.EqualTo(new float[] { -1, 22, 23, 50 }));               // + [-20 0] on each row
        Gemm.Multiply(GemmKernel.Naive, 2, 2, 2, a, 2, 1, b, 2, 1, c, 2, rowBias: [-50, -45], relu: true);
        Assert.That(c, Is.EqualTo(new float[] { 0, 0, 0, 5 }));                   // relu([-31 -28; -2 5])
        Gemm.Multiply(GemmKernel.Naive, 2, 2, 2, a, 2, 1, b, 2, 1, c, 2, accumulate: true, columnBias: [1, -100], relu: true);
        Assert.That(c, Is.EqualTo(new float[] { 20, 0, 44, 0 }));                 // relu([0 0; 0 5] + [19 22; 43 50] + [1 -100])
    }

    [Test]
    public void AllKernels_ReluOfNaN_StaysNaN([ValueSource(nameof(AllKernels))] Variant kernel)
    {
        // MathF.Max(NaN, 0) is NaN: a NaN bias must not be hidden by the fused ReLU.
        const int m = 9, n = 33, k = 4;
        var rng = new Random(12);
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), columnBias = RandomArray(rng, n);
        columnBias[3] = float.NaN;
        var c = new float[m * n];
        kernel.Multiply(m, n, k, a, k, 1, b, n, 1, c, n, columnBias: columnBias, relu: true);
        for (int i = 0; i < m; i++)
            Assert.That(c[i * n + 3], Is.NaN, $"{kernel}: row {i}");
    }

    [Test]
    public void Blocked_Epilogue_AcrossDepthBlocksAndThreadSplits([ValueSource(nameof(BlockedTiles))] Variant tile)
    {
        var rng = new Random(13);
        foreach ((int m, int n, int k) in new[] { (50, 70, 1000), (10, 2000, 900), (700, 20, 1000) })
            foreach (BiasKind biasKind in new[] { BiasKind.PerRow, BiasKind.PerColumn })
            {
                float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
                float[] rowBias = biasKind == BiasKind.PerRow ? RandomArray(rng, m) : [];
                float[] columnBias = biasKind == BiasKind.PerColumn ? RandomArray(rng, n) : [];
                float[] expected = (float[])c0.Clone();
                Gemm.Multiply(GemmKernel.Naive, m, n, k, a, k, 1, b, n, 1, expected, n, true, rowBias, columnBias, relu: true);
                float[]? first = null;
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    float[] actual = (float[])c0.Clone();
                    tile.Multiply(m, n, k, a, k, 1, b, n, 1, actual, n, true, threads, rowBias, columnBias, relu: true);
                    AssertCloseToNaive(actual, expected, n, k, $"{tile} (m={m}, n={n}, k={k}, bias={biasKind}, threads={threads})");
                    first ??= actual;
                    Assert.That(actual, Is.EqualTo(first), $"{tile}: {threads} threads vs 1");
                }
            }
    }

    [Test]
    public void Multiply_BiasOfWrongLength_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(GemmKernel.Auto, 3, 2, 4, new float[12], 4, 1, new float[8], 2, 1, new float[6], 2, rowBias: new float[2]));
        Assert.That(ex.Message, Does.StartWith("Gemm.Multiply: rowBias has 2 elements, expected m=3 (or none)."));
        Assert.That(ex.ParamName, Is.EqualTo("rowBias"));
        var exC = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(GemmKernel.Auto, 3, 2, 4, new float[12], 4, 1, new float[8], 2, 1, new float[6], 2, columnBias: new float[3]));
        Assert.That(exC.Message, Does.StartWith("Gemm.Multiply: columnBias has 3 elements, expected n=2 (or none)."));
    }

    [Test]
    public void BlockSizes_FollowTheCacheRule()
    {
        // 48 KiB L1d, 2 MiB L2, 8 MiB L3 per core, tile (8, 32): a (KC, 32) sliver of B fills twice L1d → KC = 768;
        // a (MC, 768) block of A is a quarter of L2 → MC = 170 → 168 (multiple of 8); (768, NC) is half of L3 → 1365 → 1344.
        Assert.That(GemmBlockSizes.For(8, 32, 48 << 10, 2 << 20, 8 << 20), Is.EqualTo(new GemmBlockSizes(768, 168, 1344)));
        // 32 KiB / 512 KiB / no L3, tile (6, 16): KC = 64 KiB / 64 B = 1024 → 768 (the bound), MC = 128 KiB / 3 KiB = 42 (a multiple of 6), NC from L2: 80.
        Assert.That(GemmBlockSizes.For(6, 16, 32 << 10, 512 << 10, 0), Is.EqualTo(new GemmBlockSizes(768, 42, 80)));
        // Absurd caches stay within bounds.
        GemmBlockSizes tiny = GemmBlockSizes.For(8, 32, 1024, 1024, 0);
        Assert.That((tiny.KC, tiny.MC, tiny.NC), Is.EqualTo((64, 8, 32)));
        GemmBlockSizes here = GemmBlockSizes.For(8, 32);
        Assert.That(here.KC % 8 == 0 && here.MC % 8 == 0 && here.NC % 32 == 0, $"{here}");
    }

    [Test]
    public void Choose_PicksByShape()
    {
        Assert.That(Gemm.Choose(4, 4, 4), Is.EqualTo(GemmKernel.Naive));
        Assert.That(Gemm.Choose(100, 1, 100), Is.EqualTo(GemmKernel.Naive));
        Assert.That(Gemm.Choose(1, 1000, 1000), Is.EqualTo(GemmKernel.Vectorized));
        Assert.That(Gemm.Choose(16, 16, 16), Is.EqualTo(GemmKernel.Blocked));
        Assert.That(Gemm.Choose(1024, 1024, 1024), Is.EqualTo(GemmKernel.Blocked));
        Assert.That(Gemm.Choose(100, 100, 784), Is.EqualTo(GemmKernel.Blocked));
    }

    [Test]
    public void Multiply_UsesDefaultKernel()
    {
        GemmKernel saved = Gemm.Default;
        try
        {
            Gemm.Default = GemmKernel.Naive;
            var c = new float[1];
            Gemm.Multiply(1, 1, 2, [2, 3], 1, 1, [4, 5], 1, 1, c, 1);   // 2·4 + 3·5 = 23
            Assert.That(c[0], Is.EqualTo(23f));
        }
        finally
        {
            Gemm.Default = saved;
        }
    }

    [Test]
    public void Multiply_ShortA_ThrowsNamingSizes()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(GemmKernel.Auto, 3, 2, 4, new float[10], 4, 1, new float[8], 2, 1, new float[6], 2));
        Assert.That(ex.Message, Does.StartWith("Gemm.Multiply: a has 10 elements, (m=3, k=4) with strides (4, 1) needs 12."));
        Assert.That(ex.ParamName, Is.EqualTo("a"));
    }

    [Test]
    public void Multiply_ShortBOrC_ThrowsNamingSizes()
    {
        var exB = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(GemmKernel.Auto, 3, 2, 4, new float[12], 4, 1, new float[7], 1, 4, new float[6], 2));   // transposed b
        Assert.That(exB.Message, Does.StartWith("Gemm.Multiply: b has 7 elements, (k=4, n=2) with strides (1, 4) needs 8."));
        Assert.That(exB.ParamName, Is.EqualTo("b"));
        var exC = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(GemmKernel.Auto, 3, 2, 4, new float[12], 4, 1, new float[8], 2, 1, new float[6], 3));
        Assert.That(exC.Message, Does.StartWith("Gemm.Multiply: c has 6 elements, (m=3, n=2) with strides (3, 1) needs 8."));
        Assert.That(exC.ParamName, Is.EqualTo("c"));
    }

    [Test]
    public void Multiply_NegativeDimensionOrStride_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(GemmKernel.Auto, 2, -1, 2, new float[4], 2, 1, new float[4], 2, 1, new float[4], 2));
        Assert.That(ex.Message, Does.StartWith("Gemm.Multiply: dimensions must be non-negative, got (m=2, n=-1, k=2)."));
        Assert.That(ex.ParamName, Is.EqualTo("n"));
        var exS = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(GemmKernel.Auto, 2, 2, 2, new float[4], -2, 1, new float[4], 2, 1, new float[4], 2));
        Assert.That(exS.Message, Does.StartWith("Gemm.Multiply: a strides must be non-negative, got (-2, 1)."));
    }

    [Test]
    public void Multiply_OverlappingRowsOfC_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(GemmKernel.Auto, 2, 3, 2, new float[4], 2, 1, new float[6], 3, 1, new float[6], 2));
        Assert.That(ex.Message, Does.StartWith("Gemm.Multiply: c row stride 2 is less than n=3"));
    }
}
