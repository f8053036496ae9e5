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
                            AssertClose(NDArray.MatMul(a, b).ToArray(), Reference2D(a, b), k, $"m={m} n={n} k={k} a{Shape.Format(a.Strides)} b{Shape.Format(b.Strides)}");
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
}
