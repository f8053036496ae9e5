using NUnit.Framework;
using Scratch.Tensors.Kernels;

namespace Scratch.Tests.Tensors;

[TestFixture]
public class GemmTests
{
    private static readonly int[] AwkwardSizes = [1, 7, 33, 64, 100, 257];

    private static IEnumerable<GemmKernel> AllKernels() => Enum.GetValues<GemmKernel>();

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
    public void AllKernels_MatchNaive_OnAwkwardSizes([ValueSource(nameof(AllKernels))] GemmKernel kernel)
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
                    Gemm.Multiply(kernel, m, n, k, a, k, 1, b, n, 1, actual, n);
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
        foreach (GemmKernel kernel in AllKernels())
        {
            var c = new float[4];
            Gemm.Multiply(kernel, 2, 2, 2, a, 2, 1, b, 2, 1, c, 2);
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
        foreach (GemmKernel kernel in AllKernels())
            foreach (Layout la in Layouts)
                foreach (Layout lb in Layouts)
                    yield return new TestCaseData(kernel, la, lb);
    }

    [TestCaseSource(nameof(LayoutCases))]
    public void AllKernels_MatchReference_OnStridedViews(GemmKernel kernel, Layout aLayout, Layout bLayout)
    {
        var rng = new Random(42);
        foreach ((int m, int n, int k) in new[] { (7, 33, 5), (40, 21, 70), (67, 130, 300) })
        {
            var (a, aOff, aRs, aCs) = aLayout.Make(rng, m, k);
            var (b, bOff, bRs, bCs) = bLayout.Make(rng, k, n);
            var c = new float[m * n];
            Gemm.Multiply(kernel, m, n, k, a.AsSpan(aOff), aRs, aCs, b.AsSpan(bOff), bRs, bCs, c, n);
            var (expected, scale) = Reference(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs);
            AssertClose(c, 0, n, m, n, expected, scale, $"{kernel} a {aLayout}, b {bLayout} (m={m}, n={n}, k={k})");
        }
    }

    [Test]
    public void AllKernels_BroadcastRowOfA([ValueSource(nameof(AllKernels))] GemmKernel kernel)
    {
        // A = one row of k values repeated m times (row stride 0): every row of C is the same.
        var rng = new Random(3);
        const int m = 50, n = 37, k = 90;
        float[] a = RandomArray(rng, k), b = RandomArray(rng, k * n);
        var c = new float[m * n];
        Gemm.Multiply(kernel, m, n, k, a, 0, 1, b, n, 1, c, n);
        var (expected, scale) = Reference(m, n, k, a, 0, 0, 1, b, 0, n, 1);
        AssertClose(c, 0, n, m, n, expected, scale, $"{kernel}");
    }

    [Test]
    public void AllKernels_BroadcastColumnOfB([ValueSource(nameof(AllKernels))] GemmKernel kernel)
    {
        // B = one column of k values repeated n times (column stride 0).
        var rng = new Random(4);
        const int m = 29, n = 41, k = 64;
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k);
        var c = new float[m * n];
        Gemm.Multiply(kernel, m, n, k, a, k, 1, b, 1, 0, c, n);
        var (expected, scale) = Reference(m, n, k, a, 0, k, 1, b, 0, 1, 0);
        AssertClose(c, 0, n, m, n, expected, scale, $"{kernel}");
    }

    [Test]
    public void AllKernels_Accumulate_AddsToC([ValueSource(nameof(AllKernels))] GemmKernel kernel)
    {
        var rng = new Random(5);
        foreach ((int m, int n, int k) in new[] { (3, 5, 4), (61, 47, 300), (200, 150, 120) })
        {
            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
            var c = (float[])c0.Clone();
            Gemm.Multiply(kernel, m, n, k, a, k, 1, b, n, 1, c, n, accumulate: true);
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
    public void AllKernels_PaddedRowsOfC_LeavePaddingUntouched([ValueSource(nameof(AllKernels))] GemmKernel kernel)
    {
        var rng = new Random(6);
        foreach ((int m, int n, int k) in new[] { (5, 3, 2), (70, 35, 90), (130, 100, 260) })
        {
            int cRs = n + 7, cOff = 4;
            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n);
            var c = new float[cOff + m * cRs + 5];
            Array.Fill(c, -42f);
            Gemm.Multiply(kernel, m, n, k, a, k, 1, b, n, 1, c.AsSpan(cOff), cRs);
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
    public void AllKernels_KZero_ZeroesCOrLeavesItWhenAccumulating([ValueSource(nameof(AllKernels))] GemmKernel kernel)
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        Gemm.Multiply(kernel, 2, 3, 0, [], 0, 0, [], 0, 0, c, 3, accumulate: true);
        Assert.That(c, Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        Gemm.Multiply(kernel, 2, 3, 0, [], 0, 0, [], 0, 0, c, 3);
        Assert.That(c, Is.EqualTo(new float[6]));
    }

    [Test]
    public void AllKernels_EmptyMOrN_DoNothing([ValueSource(nameof(AllKernels))] GemmKernel kernel)
    {
        var c = new float[] { 9, 9, 9 };
        Gemm.Multiply(kernel, 0, 3, 4, [], 4, 1, new float[12], 3, 1, c, 3);
        Gemm.Multiply(kernel, 3, 0, 4, new float[12], 4, 1, [], 0, 1, c, 1);
        Assert.That(c, Is.EqualTo(new float[] { 9, 9, 9 }));
    }

    [Test]
    public void Blocked_MatchesNaive_AcrossDepthBlocksAndThreadSplits()
    {
        // k > KC: later depth blocks add to C; (10, 2000): too few rows for every thread, so C is split by columns;
        // (700, 20): split by rows, with edge tiles in both directions.
        var rng = new Random(9);
        foreach ((int m, int n, int k) in new[] { (50, 70, 1000), (10, 2000, 500), (700, 20, 700) })
            foreach (bool accumulate in new[] { false, true })
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
                    float[] expected = (float[])c0.Clone(), actual = (float[])c0.Clone();
                    Gemm.Multiply(GemmKernel.Naive, m, n, k, a, 1, m, b, n, 1, expected, n, accumulate);   // A transposed
                    GemmBlocked.Multiply(m, n, k, a, 1, m, b, n, 1, actual, n, accumulate, threads);
                    for (int x = 0; x < expected.Length; x++)
                        if (!(Math.Abs(actual[x] - expected[x]) <= 1e-5f * (1 + k)))
                            Assert.Fail($"(m={m}, n={n}, k={k}, accumulate={accumulate}, threads={threads}): C[{x / n}, {x % n}] = {actual[x]}, Naive gives {expected[x]}");
                }
    }

    [Test]
    public void Blocked_MultiThreaded_IsBitIdenticalOnRepeatedRuns()
    {
        var rng = new Random(8);
        const int m = 300, n = 300, k = 300;
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n);
        var first = new float[m * n];
        GemmBlocked.Multiply(m, n, k, a, k, 1, b, n, 1, first, n, accumulate: false, maxThreads: Environment.ProcessorCount);
        var single = new float[m * n];
        GemmBlocked.Multiply(m, n, k, a, k, 1, b, n, 1, single, n, accumulate: false, maxThreads: 1);
        Assert.That(single, Is.EqualTo(first), "one thread vs all threads");
        for (int run = 0; run < 10; run++)
        {
            var again = new float[m * n];
            Gemm.Multiply(GemmKernel.Blocked, m, n, k, a, k, 1, b, n, 1, again, n);
            Assert.That(again, Is.EqualTo(first), $"run={run}");
        }
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
