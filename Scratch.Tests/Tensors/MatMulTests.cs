using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Tests.Tensors;

public class MatMulTests
{
    /// <summary>C[i, j] = Σ_p A[i, p]·B[p, j] in double, read through the indexer.</summary>
    private static double[] Reference2D(NDArray a, NDArray b)
    {
        int m = a.Shape[0], k = a.Shape[1], n = b.Shape[1];
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)a[i, p] * b[p, j];
                c[i * n + j] = s;
            }
        return c;
    }

    private static void AssertClose(float[] actual, double[] expected, int k, string where)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), where);
        for (int i = 0; i < actual.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-5 * k + 1e-6), $"{where} i={i}");
    }

    [Test]
    public void MatMul_MatchesReference_OnAwkwardSizesAndTransposedViews()
    {
        int[] sizes = [1, 7, 33, 100];
        foreach (int m in sizes)
            foreach (int n in sizes)
                foreach (int k in new[] { 1, 33, 257 })
                {
                    // A as a plain array and as a transposed view; B as plain, transposed, and every-other-column.
                    var aPlain = Reference.Random(m * 31 + k, m, k);
                    var aT = Reference.Random(m * 37 + k, k, m).T;
                    var bPlain = Reference.Random(n * 41 + k, k, n);
                    var bStrided = Reference.Random(n * 43 + k, k, 2 * n).Slice(1, 0, 2 * n, 2);
                    foreach (var a in new[] { aPlain, aT })
                        foreach (var b in new[] { bPlain, bStrided, Reference.Random(n + k, n, k).T })
                            AssertClose(NDArray.MatMul(a, b).ToArray(), Reference2D(a, b), k, $"m={m} n={n} k={k} a{Shapes.Format(a.Strides)} b{Shapes.Format(b.Strides)}");
                }
    }

    [Test]
    public void MatMul_EveryKernel_GivesTheSameProduct()
    {
        var a = Reference.Random(1, 33, 65);
        var b = Reference.Random(2, 65, 17).T.Contiguous().T;
        double[] expected = Reference2D(a, b);
        foreach (GemmKernel kernel in Enum.GetValues<GemmKernel>())
            AssertClose(NDArray.MatMul(a, b, kernel: kernel).ToArray(), expected, 65, kernel.ToString());
    }

    [Test]
    public void MatMul_Vectors_FollowNumPy()
    {
        var v = NDArray.FromArray([1, 2, 3]);
        var m = NDArray.Arange(6).Reshape(3, 2);      // [[0, 1], [2, 3], [4, 5]]
        Assert.Multiple(() =>
        {
            Assert.That(NDArray.MatMul(v, v).Shape, Is.Empty);
            Assert.That(NDArray.MatMul(v, v).Item(), Is.EqualTo(14f));                              // 1 + 4 + 9
            Assert.That(NDArray.MatMul(v, m).ToArray(), Is.EqualTo(new float[] { 16, 22 }));         // (1·0 + 2·2 + 3·4, 1·1 + 2·3 + 3·5)
            Assert.That(NDArray.MatMul(m.T, v).ToArray(), Is.EqualTo(new float[] { 16, 22 }));
            Assert.That(NDArray.Dot(v, v).Item(), Is.EqualTo(14f));
        });
    }

    [Test]
    public void MatMul_Batched_BroadcastsBatchAxes()
    {
        var a = Reference.Random(1, 2, 1, 4, 5);      // (2, 1, 4, 5)
        var b = Reference.Random(2, 3, 5, 6);         // (3, 5, 6)
        var c = NDArray.MatMul(a, b);
        Assert.That(c.Shape, Is.EqualTo(new[] { 2, 3, 4, 6 }));
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
            {
                var ai = a.At(i).At(0);
                var bj = b.At(j);
                AssertClose(c.At(i).At(j).ToArray(), Reference2D(ai, bj), 5, $"batch ({i}, {j})");
            }
    }

    [Test]
    public void Dot_NDimensional_SumsLastAxisOfAWithSecondToLastOfB()
    {
        var a = Reference.Random(1, 2, 3, 4);
        var b = Reference.Random(2, 5, 4, 6);
        var d = NDArray.Dot(a, b);                     // (2, 3) + (5,) + (6,)
        Assert.That(d.Shape, Is.EqualTo(new[] { 2, 3, 5, 6 }));
        double expected = Enumerable.Range(0, 4).Sum(p => (double)a[1, 2, p] * b[3, p, 5]);
        Assert.That(d[1, 2, 3, 5], Is.EqualTo(expected).Within(1e-5));
    }

    [Test]
    public void MatMul_Into_WritesIntoThePreallocatedGradient()
    {
        var x = Reference.Random(1, 100, 20);
        var dout = Reference.Random(2, 100, 10);
        var dW = NDArray.Zeros(20, 10);
        var result = NDArray.MatMul(x.T, dout, into: dW);
        Assert.That(result, Is.SameAs(dW));
        AssertClose(dW.ToArray(), Reference2D(x.T, dout), 100, "dW = xᵀ·dout");
    }

    [Test]
    public void MatMul_NegativeStrides_AreHandled()
    {
        var a = Reference.Random(1, 4, 6).Slice(1, 5, -7, -1);     // columns reversed
        var b = Reference.Random(2, 6, 3);
        AssertClose(NDArray.MatMul(a, b).ToArray(), Reference2D(a, b), 6, "reversed");
    }

    [Test]
    public void MatMul_BadShapes_NameBothOperands()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => NDArray.MatMul(NDArray.Zeros(100, 784), NDArray.Zeros(100, 10)),
                Throws.ArgumentException.With.Message.EqualTo("MatMul: inner dimensions differ: a (100, 784) · b (100, 10)."));
            Assert.That(() => NDArray.MatMul(NDArray.Zeros(2, 3, 4), NDArray.Zeros(3, 4, 5)),
                Throws.ArgumentException.With.Message.Contains("MatMul: cannot broadcast (2,) with (3,)"));
            Assert.That(() => NDArray.MatMul(NDArray.Scalar(1), NDArray.Zeros(3)), Throws.ArgumentException.With.Message.Contains("at least one axis"));
            Assert.That(() => NDArray.MatMul(NDArray.Zeros(2, 3), NDArray.Zeros(3, 4), into: NDArray.Zeros(4, 2)),
                Throws.ArgumentException.With.Message.Contains("into has shape (4, 2), expected (2, 4)"));
        });
    }

    /// <summary>relu?(C0 + A·B + bias) in double for one (M, N) product, bias (N) or (M, 1) or none.</summary>
    private static double[] ReferenceEpilogue(NDArray a, NDArray b, NDArray? c0, NDArray? bias, bool relu)
    {
        double[] c = Reference2D(a, b);
        int m = a.Shape[0], n = b.Shape[1];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double x = c[i * n + j] + (c0 is null ? 0 : c0[i, j]);
                if (bias is not null)
                    x += bias.Rank == 1 ? bias[j] : bias[i, 0];
                c[i * n + j] = relu ? Math.Max(x, 0) : x;
            }
        return c;
    }

    [Test]
    public void MatMul_Epilogue_EveryKernelAccumulateBiasAndRelu_MatchesReference()
    {
        // Batched (2, M, K) · (K, N) with A as a transposed view; bias (N), (M, 1) or a strided (N) view.
        foreach ((int m, int n, int k) in new[] { (1, 7, 33), (7, 33, 1), (33, 16, 257), (100, 30, 25) })
            foreach (GemmKernel kernel in Enum.GetValues<GemmKernel>())
                foreach (bool accumulate in new[] { false, true })
                    foreach (string biasKind in new[] { "none", "(N)", "(M, 1)", "(N) strided" })
                        foreach (bool relu in new[] { false, true })
                        {
                            string where = $"m={m} n={n} k={k} {kernel} accumulate={accumulate} bias {biasKind} relu={relu}";
                            var a = Reference.Random(m + 3 * k, 2, k, m).Transpose(0, 2, 1);          // (2, M, K), strides (K·M, 1, M)
                            var b = Reference.Random(n + 5 * k, k, n);
                            NDArray? bias = biasKind switch
                            {
                                "(N)" => Reference.Random(7, n),
                                "(M, 1)" => Reference.Random(8, m, 1),
                                "(N) strided" => Reference.Random(9, 2 * n).Slice(0, 0, 2 * n, 2),
                                _ => null,
                            };
                            var c0 = Reference.Random(10, 2, m, n);
                            NDArray? into = accumulate ? c0.Clone() : null;
                            NDArray c = NDArray.MatMul(a, b, into, kernel, accumulate, bias, relu);
                            Assert.That(c.Shape, Is.EqualTo(new[] { 2, m, n }), where);
                            for (int batch = 0; batch < 2; batch++)
                                AssertClose(c.At(batch).ToArray(), ReferenceEpilogue(a.At(batch), b, accumulate ? c0.At(batch) : null, bias, relu), k + 3,
                                    $"{where} batch {batch}");
                        }
    }

    [Test]
    public void MatMul_Accumulate_IntoAStridedView_AddsTheProduct()
    {
        var a = Reference.Random(1, 5, 6);
        var b = Reference.Random(2, 6, 4);
        var buffer = Reference.Random(3, 4, 5);
        NDArray into = buffer.T;                                                    // (5, 4), not contiguous
        double[] expected = ReferenceEpilogue(a, b, into.Clone(), null, false);
        NDArray result = NDArray.MatMul(a, b, into: into, accumulate: true);
        Assert.That(result, Is.SameAs(into));
        AssertClose(buffer.T.ToArray(), expected, 6, "buffer.T += a·b");
    }

    [Test]
    public void MatMul_FusedBiasRelu_Golden()
    {
        // relu([1 2; 3 4]·[5 6; 7 8] + [-20 -30]) = relu([19 22; 43 50] + [-20 -30]) = [0 0; 23 20]
        var a = NDArray.FromArray([1, 2, 3, 4], 2, 2);
        var b = NDArray.FromArray([5, 6, 7, 8], 2, 2);
        NDArray c = NDArray.MatMul(a, b, bias: NDArray.FromArray([-20, -30]), relu: true);
        Assert.That(c.ToArray(), Is.EqualTo(new float[] { 0, 0, 23, 20 }));
        // one bias per row: [19 22; 43 50] + [[-19], [1]] = [0 3; 44 51]
        Assert.That(NDArray.MatMul(a, b, bias: NDArray.FromArray([-19, 1], 2, 1)).ToArray(), Is.EqualTo(new float[] { 0, 3, 44, 51 }));
    }

    [Test]
    public void MatMul_BadEpilogueArguments_Throw()
    {
        var a = NDArray.Zeros(3, 4);
        var b = NDArray.Zeros(4, 5);
        Assert.Multiple(() =>
        {
            Assert.That(() => NDArray.MatMul(a, b, accumulate: true),
                Throws.ArgumentException.With.Message.StartsWith("MatMul: accumulate adds the product to into, so into (3, 5) must be given."));
            Assert.That(() => NDArray.MatMul(a, b, bias: NDArray.Zeros(3)),
                Throws.ArgumentException.With.Message.StartsWith("MatMul: bias must be (N) = (5,) or (M, 1) = (3, 1) for a (3, 4) · b (4, 5), got (3,)."));
            Assert.That(() => NDArray.MatMul(a, b, bias: NDArray.Zeros(1, 5)),
                Throws.ArgumentException.With.Message.Contains("got (1, 5)"));
            var buffer = NDArray.Zeros(20);
            Assert.That(() => NDArray.MatMul(a, b, into: buffer.Slice(0, 0, 15).Reshape(3, 5), bias: buffer.Slice(0, 15, 20)),
                Throws.ArgumentException.With.Message.StartsWith("MatMul: into shares storage with bias"));
        });
    }
}
