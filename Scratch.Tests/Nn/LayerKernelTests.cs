using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Tests.Nn;

/// <summary>The layers' kernels against their Naive twins: awkward sizes, data at an offset, special values, one and two threads.</summary>
[NonParallelizable]
public class LayerKernelTests
{
    private static float[] Random(int n, uint seed) => NDArray.RandomNormal([Math.Max(n, 1)], 0, 1, seed).ToArray()[..n];

    /// <summary>Runs <paramref name="body"/> with the parallel loops limited to <paramref name="threads"/>.</summary>
    private static void WithThreads(int threads, Action body)
    {
        int saved = ParallelRange.MaxThreads;
        ParallelRange.MaxThreads = threads;
        try { body(); }
        finally { ParallelRange.MaxThreads = saved; }
    }

    private static readonly int[] Lengths = [.. Enumerable.Range(0, 41), 257, 1000, 70_001];

    [Test]
    public void Relu_MatchesNaive_AtEveryLength_AtAnOffset_WithSpecialValues([Values(1, 2)] int threads)
    {
        WithThreads(threads, () =>
        {
            foreach (int n in Lengths)
            {
                float[] x = [0f, .. Random(n, (uint)n)], dout = [0f, .. Random(n, (uint)n + 99)];
                if (n > 3) (x[1], x[2], x[3]) = (float.NaN, -0f, float.NegativeInfinity);
                float[] y = new float[n + 1], expectedY = new float[n], dx = new float[n + 1], expectedDx = new float[n];
                Relu.Forward(x.AsMemory(1, n), y.AsMemory(1, n));                  // offset 1: not aligned to the vectors
                Relu.ForwardNaive(x.AsSpan(1, n), expectedY);
                Relu.Backward(y.AsMemory(1, n), dout.AsMemory(1, n), dx.AsMemory(1, n));
                Relu.BackwardNaive(expectedY, dout.AsSpan(1, n), expectedDx);
                Assert.That(y[1..], Is.EqualTo(expectedY), $"forward n={n}");
                Assert.That(dx[1..], Is.EqualTo(expectedDx), $"backward n={n}");
                Assert.That(y[0], Is.EqualTo(0f), $"n={n}: wrote before its span");
            }
        });
    }

    private static IEnumerable<PoolShape> PoolShapes()
    {
        yield return new PoolShape(1, 1, 1, 1, 1, 1, 1, 0);
        yield return new PoolShape(1, 1, 7, 7, 2, 2, 2, 0);
        yield return new PoolShape(2, 3, 7, 7, 3, 3, 2, 1);
        yield return new PoolShape(3, 2, 33, 33, 2, 2, 2, 0);
        yield return new PoolShape(1, 2, 257, 5, 3, 2, 1, 1);
        yield return new PoolShape(7, 3, 5, 9, 2, 3, 1, 2);
        yield return new PoolShape(100, 30, 24, 24, 2, 2, 2, 0);    // large enough for both threads
        yield return new PoolShape(2, 2, 30, 31, 3, 3, 1, 0);       // 8 windows of a row inside the image: loads
        yield return new PoolShape(2, 2, 40, 37, 3, 3, 2, 1);       // gathers, masked at the padding
        yield return new PoolShape(1, 3, 20, 50, 4, 2, 3, 1);       // stride 3, non-square windows
        yield return new PoolShape(1, 1, 3, 20, 2, 2, 1, 3);        // pad 3: whole windows of padding (0 at −1)
        foreach (int w in new[] { 2, 3, 6, 8, 9, 15, 16, 17, 33, 40 })  // 2×2/2 rows of 1-20 windows: vector blocks, overlapping last blocks, scalar rows
            yield return new PoolShape(2, 3, w % 7 + 2, w, 2, 2, 2, 0);
    }

    /// <summary>Every pooling kernel against its naive twin; 2×2 max pooling with and without its AVX-512 path (without AVX-512F both runs take the Vector256 path).</summary>
    [Test]
    public void Pooling_MatchesNaive([ValueSource(nameof(PoolShapes))] PoolShape g, [Values(1, 2)] int threads, [Values(false, true)] bool avx512)
    {
        bool saved = Pooling.UseAvx512;
        Pooling.UseAvx512 = avx512;
        try { WithThreads(threads, () => CheckPooling(g)); }
        finally { Pooling.UseAvx512 = saved; }
    }

    private static void CheckPooling(PoolShape g)
    {
        {
            int inSize = g.N * g.C * g.H * g.W, outSize = g.N * g.C * g.OH * g.OW;
            float[] x = Random(inSize, 7), dout = Random(outSize, 8);
            if (inSize > 10) (x[3], x[9]) = (x[2], float.NaN);                     // a tie and a NaN
            for (int i = 17; i + 40 < inSize; i += 41)                             // more ties, NaNs, infinities and signed zeros
                (x[i], x[i + 1], x[i + 7], x[i + 20], x[i + 21], x[i + 30]) = (x[i + 2], float.NaN, float.NegativeInfinity, -0f, 0f, float.NaN);
            float[] y = new float[outSize], expectedY = new float[outSize], dx = new float[inSize], expectedDx = new float[inSize];
            int[] argMax = new int[outSize], expectedArgMax = new int[outSize];

            Pooling.MaxForward(x, y, argMax, g);
            Pooling.MaxForwardNaive(x, expectedY, expectedArgMax, g);
            Assert.That(y, Is.EqualTo(expectedY), "max forward");
            Assert.That(argMax, Is.EqualTo(expectedArgMax), "argmax");
            dx.AsSpan().Fill(float.NaN);                                           // every element must be written, the uncovered ones too
            Pooling.MaxBackward(dout, argMax, dx, g);
            Pooling.MaxBackwardNaive(dout, expectedArgMax, expectedDx);
            Assert.That(dx, Is.EqualTo(expectedDx), "max backward");

            Pooling.AvgForward(x, y, g);
            Pooling.AvgForwardNaive(x, expectedY, g);
            Assert.That(y, Is.EqualTo(expectedY), "average forward");
            dx.AsSpan().Fill(float.NaN);
            Pooling.AvgBackward(dout, dx, g);
            Pooling.AvgBackwardNaive(dout, expectedDx, g);
            Assert.That(dx, Is.EqualTo(expectedDx), "average backward");
        }
    }

    /// <summary>The short-row copy, clear and add of the convolution layouts, at every length up to 40 and at an offset: nothing written outside the span.</summary>
    [Test]
    public void ShortSpans_MatchScalarLoops_AtEveryLength()
    {
        for (int n = 0; n <= 40; n++)
        {
            float[] src = [0f, .. Random(n, (uint)n + 5), 0f], dst = [-1f, .. Random(n, (uint)n + 6), -1f];
            float[] expected = [-1f, .. src.AsSpan(1, n).ToArray().Zip(dst.AsSpan(1, n).ToArray(), (a, b) => b + a), -1f];
            ShortSpans.Add(dst.AsSpan(1, n), src.AsSpan(1, n));
            Assert.That(dst, Is.EqualTo(expected), $"add n={n}");
            ShortSpans.Copy(src.AsSpan(1, n), dst.AsSpan(1, n));
            Assert.That(dst, Is.EqualTo((float[])[-1f, .. src.AsSpan(1, n).ToArray(), -1f]), $"copy n={n}");
            ShortSpans.Clear(dst.AsSpan(1, n));
            Assert.That(dst, Is.EqualTo((float[])[-1f, .. new float[n], -1f]), $"clear n={n}");
        }
    }

    private static IEnumerable<ConvShape> ConvShapes()
    {
        yield return new ConvShape(1, 1, 1, 1, 1, 1, 1, 0);
        yield return new ConvShape(2, 3, 7, 7, 3, 3, 1, 1);
        yield return new ConvShape(3, 2, 9, 7, 3, 2, 2, 2);
        yield return new ConvShape(1, 1, 33, 33, 5, 5, 1, 0);
        yield return new ConvShape(7, 2, 5, 8, 2, 4, 3, 1);
        yield return new ConvShape(50, 16, 14, 14, 3, 3, 1, 1);    // large enough for both threads
        yield return new ConvShape(2, 2, 1, 1, 3, 3, 1, 1);         // "same" convolutions: one shifted span per tap
        yield return new ConvShape(3, 2, 2, 9, 5, 5, 1, 2);
        yield return new ConvShape(2, 3, 6, 33, 1, 3, 1, 1);
        yield return new ConvShape(3, 4, 7, 16, 3, 3, 1, 2);        // OW = W + 2: taps reaching past both edges, a full 16-column segment
        yield return new ConvShape(2, 2, 5, 40, 3, 5, 1, 0);        // no padding, 40 wide: three segments, the last partial
        yield return new ConvShape(4, 1, 28, 28, 5, 5, 1, 0);       // SimpleConvNet's: rows of 24 stored as 32, the next row written over the rest
        yield return new ConvShape(3, 2, 20, 16, 3, 1, 1, 0);       // OW = 16: one whole segment per row
    }

    [Test]
    public void ConvolutionLayout_MatchesNaive([ValueSource(nameof(ConvShapes))] ConvShape g, [Values(false, true)] bool avx512)
    {
        bool saved = ConvolutionLayout.UseAvx512;
        ConvolutionLayout.UseAvx512 = avx512;
        try
        {
            int inSize = g.N * g.C * g.H * g.W, colSize = g.K * g.Columns, fn = 3;
            float[] x = Random(inSize, 1), cols = new float[colSize], expectedCols = new float[colSize];
            ConvolutionLayout.Unfold(x, cols, g, 0, g.N);
            ConvolutionLayout.UnfoldNaive(x, expectedCols, g);
            Assert.That(cols, Is.EqualTo(expectedCols), "unfold");

            float[] dcols = Random(colSize, 2), dx = new float[inSize], expectedDx = new float[inSize];
            dx.AsSpan().Fill(float.NaN);                                           // every element must be written
            ConvolutionLayout.Fold(dcols, dx, g, 0, g.N);
            ConvolutionLayout.FoldNaive(dcols, expectedDx, g);
            Assert.That(dx, Is.EqualTo(expectedDx), "fold");

            float[] product = Random(fn * g.Columns, 3), bias = Random(fn, 4), y = new float[fn * g.Columns], expectedY = new float[fn * g.Columns];
            foreach (bool relu in new[] { false, true })
            {
                ConvolutionLayout.Scatter(product, y, bias, relu, g.N, g.P, 0, g.N);
                ConvolutionLayout.ScatterNaive(product, expectedY, bias, relu, g.N, g.P);
                Assert.That(y, Is.EqualTo(expectedY), $"scatter relu={relu}");
            }
            float[] back = new float[fn * g.Columns], expectedBack = new float[fn * g.Columns];
            ConvolutionLayout.Gather(y, back, g.N, fn, g.P, 0, g.N);
            ConvolutionLayout.GatherNaive(y, expectedBack, g.N, fn, g.P);
            Assert.That(back, Is.EqualTo(expectedBack), "gather");
        }
        finally { ConvolutionLayout.UseAvx512 = saved; }
    }

    [TestCase(1, 1, 1)]
    [TestCase(7, 33, 1)]
    [TestCase(33, 7, 1)]
    [TestCase(100, 257, 1)]
    [TestCase(1, 3, 7)]
    [TestCase(2, 3, 49)]
    [TestCase(5, 4, 257)]
    public void BatchNorm_MatchesNaive(int n, int c, int p)
    {
        int size = n * c * p;
        float[] x = Random(size, 11), dout = Random(size, 12), gamma = Random(c, 13), beta = Random(c, 14);
        float[] mean = new float[c], variance = new float[c], expectedMean = new float[c], expectedVariance = new float[c], scratch = new float[size];
        BatchNorm.Statistics(x, mean, variance, scratch, n, c, p);
        BatchNorm.StatisticsNaive(x, expectedMean, expectedVariance, n, c, p);
        Assert.That(mean, Is.EqualTo(expectedMean).Within(1e-5f), "mean");
        Assert.That(variance, Is.EqualTo(expectedVariance).Within(1e-5f), "variance");

        float[] std = variance.Select(v => MathF.Sqrt(v + 1e-5f)).ToArray();
        float[] xn = new float[size], y = new float[size], expectedXn = new float[size], expectedY = new float[size];
        BatchNorm.Normalize(x, mean, std, gamma, beta, xn, y, n, c, p);
        BatchNorm.NormalizeNaive(x, mean, std, gamma, beta, expectedXn, expectedY, n, c, p);
        Assert.That(xn, Is.EqualTo(expectedXn).Within(1e-5f), "xn");
        Assert.That(y, Is.EqualTo(expectedY).Within(1e-5f), "y");

        foreach (bool training in new[] { true, false })
        {
            float[] dgamma = new float[c], dbeta = new float[c], dx = new float[size];
            float[] expectedDgamma = new float[c], expectedDbeta = new float[c], expectedDx = new float[size];
            BatchNorm.Backward(dout, xn, gamma, std, dgamma, dbeta, dx, training, n, c, p);
            BatchNorm.BackwardNaive(dout, xn, gamma, std, expectedDgamma, expectedDbeta, expectedDx, training, n, c, p);
            Assert.That(dgamma, Is.EqualTo(expectedDgamma).Within(1e-3f), $"dgamma training={training}");
            Assert.That(dbeta, Is.EqualTo(expectedDbeta).Within(1e-3f), $"dbeta training={training}");
            float scale = expectedDx.Length == 0 ? 1 : Math.Max(1, expectedDx.Max(MathF.Abs));
            Assert.That(dx, Is.EqualTo(expectedDx).Within(2e-3f * scale), $"dx training={training}");
        }
    }

    [TestCase(1, 1)]
    [TestCase(7, 10)]
    [TestCase(33, 7)]
    [TestCase(4, 257)]
    public void SoftmaxCrossEntropy_MatchesNaive(int n, int c)
    {
        float[] x = Random(n * c, 21).Select(v => 30 * v).ToArray();      // wide scores: the max shift matters
        float[] indices = Enumerable.Range(0, n).Select(i => (float)(i * 7 % c)).ToArray();
        float[] oneHot = new float[n * c];
        for (int i = 0; i < n; i++) oneHot[i * c + (int)indices[i]] = 1f;
        foreach (float[] t in new[] { indices, oneHot })
        {
            if (c == 1 && t == oneHot) continue;                            // (N, 1) one-hot and N indices are the same thing
            float[] y = new float[n * c], expectedY = new float[n * c], dx = new float[n * c], expectedDx = new float[n * c];
            float loss = SoftmaxCrossEntropy.Forward(x, t, y, n, c, 1e-7f);
            float expectedLoss = SoftmaxCrossEntropy.ForwardNaive(x, t, expectedY, n, c, 1e-7f);
            Assert.That(y, Is.EqualTo(expectedY).Within(1e-6f), "softmax");
            Assert.That(loss, Is.EqualTo(expectedLoss).Within(1e-5f * Math.Max(1, Math.Abs(expectedLoss))), "loss");
            SoftmaxCrossEntropy.Backward(y, t, dx, n, c, 0.5f / n);
            SoftmaxCrossEntropy.BackwardNaive(y, t, expectedDx, n, c, 0.5f / n);
            Assert.That(dx, Is.EqualTo(expectedDx).Within(1e-7f), "gradient");
        }
    }

    /// <summary>The integer comparison of the fast path gives the double comparison's mask draw for draw, and leaves the generator where it would be.</summary>
    [TestCase(0.3)]
    [TestCase(0.0)]
    [TestCase(0.5)]
    [TestCase(0.9999999)]
    public void Dropout_MatchesNaive_DrawForDraw(double ratio)
    {
        foreach (int n in Lengths)
        {
            float[] x = Random(n, 31), mask = new float[n], y = new float[n], expectedMask = new float[n], expectedY = new float[n];
            RandomState fast = new(5), naive = new(5);
            Dropout.Forward(x, mask, y, fast, ratio, (float)(1 / (1 - ratio)));
            Dropout.ForwardNaive(x, expectedMask, expectedY, naive, ratio, (float)(1 / (1 - ratio)));
            Assert.That(mask, Is.EqualTo(expectedMask), $"mask n={n}");
            Assert.That(y, Is.EqualTo(expectedY), $"y n={n}");
            Assert.That(fast.Rand(), Is.EqualTo(naive.Rand()), $"the next draw after n={n}");
        }
    }

    [TestCase(1, 1)]
    [TestCase(7, 33)]
    [TestCase(257, 7)]
    public void BiasSums_MatchNaive(int rows, int cols)
    {
        float[] x = Random(rows * cols, 41), sum = new float[cols], expected = new float[cols];
        Bias.SumRows(x, rows, cols, sum);
        Bias.SumRowsNaive(x, rows, cols, expected);
        Assert.That(sum, Is.EqualTo(expected).Within(1e-4f), "per column");
        float[] rowSum = new float[rows], expectedRowSum = new float[rows];
        Bias.SumEachRow(x, rows, cols, rowSum);
        Bias.SumEachRowNaive(x, rows, cols, expectedRowSum);
        Assert.That(rowSum, Is.EqualTo(expectedRowSum).Within(1e-4f), "per row");
        Bias.SumEachRow(x, rows, cols, rowSum, accumulate: true);
        Assert.That(rowSum, Is.EqualTo(expectedRowSum.Select(v => 2 * v).ToArray()).Within(2e-4f), "per row, added to what was there");
    }

    [TestCase(1, 1, 1)]
    [TestCase(3, 7, 33)]
    [TestCase(2, 5, 257)]
    public void BiasSumEachMap_MatchesNaive(int images, int maps, int size)
    {
        float[] x = Random(images * maps * size, 43), sum = new float[maps], expected = new float[maps];
        Bias.SumEachMap(x, images, maps, size, sum);
        Bias.SumEachMapNaive(x, images, maps, size, expected);
        Assert.That(sum, Is.EqualTo(expected).Within(1e-4f), "per map");
        Bias.SumEachMap(x, images, maps, size, sum, accumulate: true);
        Assert.That(sum, Is.EqualTo(expected.Select(v => 2 * v).ToArray()).Within(2e-4f), "per map, added to what was there");
    }
}
