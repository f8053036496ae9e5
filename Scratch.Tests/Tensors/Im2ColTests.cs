using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

public class Im2ColTests
{
    /// <summary>The book's im2col written as the definition: col[(n, oh, ow), (c, fy, fx)] = padded x[n, c, oh·s + fy, ow·s + fx].</summary>
    private static float[] ReferenceIm2Col(NDArray x, int fh, int fw, int stride, int pad)
    {
        int[] s = x.Shape;
        int n = s[0], c = s[1], h = s[2], w = s[3];
        int oh = (h + 2 * pad - fh) / stride + 1, ow = (w + 2 * pad - fw) / stride + 1;
        var col = new List<float>();
        for (int i = 0; i < n; i++)
            for (int y = 0; y < oh; y++)
                for (int xo = 0; xo < ow; xo++)
                    for (int ch = 0; ch < c; ch++)
                        for (int fy = 0; fy < fh; fy++)
                            for (int fx = 0; fx < fw; fx++)
                            {
                                int iy = y * stride + fy - pad, ix = xo * stride + fx - pad;
                                col.Add(iy < 0 || iy >= h || ix < 0 || ix >= w ? 0f : x[i, ch, iy, ix]);
                            }
        return col.ToArray();
    }

    private static readonly object[] Geometries =
    [
        new[] { 1, 1, 28, 28, 5, 5, 1, 0 },   // SimpleConvNet
        new[] { 2, 3, 7, 7, 3, 3, 1, 1 },     // DeepConvNet-style 3×3, pad 1
        new[] { 2, 2, 9, 8, 3, 2, 2, 1 },     // stride 2, non-square
        new[] { 1, 2, 5, 5, 5, 5, 1, 2 },     // pad larger than the overlap
        new[] { 3, 1, 4, 4, 2, 2, 2, 0 },     // pooling windows
        new[] { 1, 1, 3, 3, 1, 1, 3, 0 },
    ];

    [TestCaseSource(nameof(Geometries))]
    public void Im2Col_MatchesTheDefinition(int[] g)
    {
        var x = Reference.Random(g[0] * 7 + g[4], g[0], g[1], g[2], g[3]);
        var col = NDArray.Im2Col(x, g[4], g[5], g[6], g[7]);
        int oh = (g[2] + 2 * g[7] - g[4]) / g[6] + 1, ow = (g[3] + 2 * g[7] - g[5]) / g[6] + 1;
        Assert.Multiple(() =>
        {
            Assert.That(col.Shape, Is.EqualTo(new[] { g[0] * oh * ow, g[1] * g[4] * g[5] }));
            Assert.That(col.ToArray(), Is.EqualTo(ReferenceIm2Col(x, g[4], g[5], g[6], g[7])));
        });
    }

    [TestCaseSource(nameof(Geometries))]
    public void Col2Im_IsTheAdjointOfIm2Col(int[] g)
    {
        // ⟨Im2Col(x), y⟩ = ⟨x, Col2Im(y)⟩ for random x and y.
        var x = Reference.Random(1, g[0], g[1], g[2], g[3]);
        var col = NDArray.Im2Col(x, g[4], g[5], g[6], g[7]);
        var y = Reference.Random(2, col.Shape);
        double left = col.ToArray().Zip(y.ToArray(), (p, q) => (double)p * q).Sum();
        double right = x.ToArray().Zip(NDArray.Col2Im(y, x.Shape, g[4], g[5], g[6], g[7]).ToArray(), (p, q) => (double)p * q).Sum();
        Assert.That(left, Is.EqualTo(right).Within(1e-4 * (1 + Math.Abs(left))));
    }

    [Test]
    public void Im2Col_OfNonContiguousInput_ReadsTheView()
    {
        var x = Reference.Random(3, 2, 3, 6, 6).Transpose(0, 1, 3, 2);   // (2, 3, 6, 6) with H and W swapped
        Assert.That(NDArray.Im2Col(x, 3, 3, 1, 1).ToArray(), Is.EqualTo(ReferenceIm2Col(x, 3, 3, 1, 1)));
    }

    [Test]
    public void Col2Im_SumsOverlappingWindows()
    {
        // 3×3 input, 2×2 windows, stride 1: the centre pixel is in all 4 windows, corners in 1.
        var col = NDArray.Ones(4, 4);
        var x = NDArray.Col2Im(col, [1, 1, 3, 3], 2, 2);
        Assert.That(x.ToArray(), Is.EqualTo(new float[] { 1, 2, 1, 2, 4, 2, 1, 2, 1 }));
    }

    [Test]
    public void BadInput_NamesOpAndShapes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => NDArray.Im2Col(NDArray.Zeros(2, 3, 4), 2, 2), Throws.ArgumentException.With.Message.Contains("Im2Col: expected x (N, C, H, W), got (2, 3, 4)"));
            Assert.That(() => NDArray.Im2Col(NDArray.Zeros(1, 1, 3, 3), 5, 5), Throws.ArgumentException.With.Message.Contains("larger than the padded input"));
            Assert.That(() => NDArray.Im2Col(NDArray.Zeros(1, 1, 3, 3), 2, 2, 0), Throws.ArgumentException.With.Message.Contains("stride 0"));
            Assert.That(() => NDArray.Col2Im(NDArray.Zeros(5, 4), [1, 1, 3, 3], 2, 2), Throws.ArgumentException.With.Message.Contains("expected col (4, 4)"));
        });
    }
}

public class Im2ColIntoTests
{
    [Test]
    public void Into_ReusesTheBuffers_AndOverwritesEveryElement()
    {
        var x = Reference.Random(1, 2, 3, 7, 7);
        var col = NDArray.Full([2 * 7 * 7, 27], float.NaN);                  // stale contents must not leak through
        Assert.That(NDArray.Im2Col(x, 3, 3, 1, 1, into: col), Is.SameAs(col));
        Assert.That(col.ToArray(), Is.EqualTo(NDArray.Im2Col(x, 3, 3, 1, 1).ToArray()));
        var dx = NDArray.Full([2, 3, 7, 7], float.NaN);
        Assert.That(NDArray.Col2Im(col, [2, 3, 7, 7], 3, 3, 1, 1, into: dx), Is.SameAs(dx));
        Assert.That(dx.ToArray(), Is.EqualTo(NDArray.Col2Im(col, [2, 3, 7, 7], 3, 3, 1, 1).ToArray()));
        Assert.That(() => NDArray.Im2Col(x, 3, 3, 1, 1, into: NDArray.Zeros(27, 98).T), Throws.ArgumentException.With.Message.Contains("contiguous"));
    }
}

public class UnfoldTests
{
    private static readonly object[] Geometries =
    [
        new[] { 1, 1, 28, 28, 5, 5, 1, 0 },
        new[] { 2, 3, 7, 7, 3, 3, 1, 1 },
        new[] { 2, 2, 9, 8, 3, 2, 2, 1 },
        new[] { 1, 2, 5, 5, 5, 5, 1, 2 },
        new[] { 3, 1, 4, 4, 2, 2, 2, 0 },
        new[] { 1, 1, 3, 3, 1, 1, 3, 0 },
        new[] { 2, 2, 10, 7, 3, 3, 3, 2 },
    ];

    [TestCaseSource(nameof(Geometries))]
    public void Unfold_IsIm2ColTransposedPerImage_AndFoldIsCol2Im(int[] g)
    {
        var x = Reference.Random(g[0] * 5 + g[4], g[0], g[1], g[2], g[3]);
        var col = NDArray.Im2Col(x, g[4], g[5], g[6], g[7]);
        int pixels = col.Dim(0) / g[0];
        var cols = NDArray.Unfold(x, g[4], g[5], g[6], g[7]);
        Assert.That(cols.Shape, Is.EqualTo(new[] { g[0], col.Dim(1), pixels }));
        Assert.That(cols.ToArray(), Is.EqualTo(col.Reshape(g[0], pixels, -1).Transpose(0, 2, 1).ToArray()));

        var y = Reference.Random(3, cols.Shape);
        var folded = NDArray.Fold(y, x.Shape, g[4], g[5], g[6], g[7]);
        var viaCol2Im = NDArray.Col2Im(y.Transpose(0, 2, 1).Reshape(-1, col.Dim(1)), x.Shape, g[4], g[5], g[6], g[7]);
        Assert.That(folded.ToArray(), Is.EqualTo(viaCol2Im.ToArray()).Within(1e-5f));
    }

    [Test]
    public void BadInput_NamesOpAndShapes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => NDArray.Unfold(NDArray.Zeros(2, 3), 2, 2), Throws.ArgumentException.With.Message.Contains("Unfold: expected x (N, C, H, W), got (2, 3)"));
            Assert.That(() => NDArray.Fold(NDArray.Zeros(1, 4, 5), [1, 1, 3, 3], 2, 2), Throws.ArgumentException.With.Message.Contains("Fold: expected cols (1, 4, 4)"));
        });
    }
}
