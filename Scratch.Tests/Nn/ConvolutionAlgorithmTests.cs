using Scratch.Nn;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Tests.Nn;

/// <summary>The batch-wide convolution against the book's im2col code, and the same numbers for one and two threads.</summary>
[NonParallelizable]
public class ConvolutionAlgorithmTests
{
    private static NDArray Randn(uint seed, params int[] shape) => NDArray.RandomNormal(shape, 0f, 1f, seed);

    public static IEnumerable<TestCaseData> Cases()
    {
        // (N, C, H, W), (FN, FH, FW), stride, pad
        yield return new TestCaseData(new[] { 1, 1, 1, 1 }, new[] { 1, 1, 1 }, 1, 0).SetName("1x1 everything");
        yield return new TestCaseData(new[] { 2, 3, 7, 7 }, new[] { 4, 3, 3 }, 1, 1).SetName("3x3 pad 1");
        yield return new TestCaseData(new[] { 3, 2, 9, 7 }, new[] { 5, 3, 2 }, 2, 2).SetName("stride 2 pad 2, non-square");
        yield return new TestCaseData(new[] { 7, 1, 28, 28 }, new[] { 30, 5, 5 }, 1, 0).SetName("SimpleConvNet's conv");
        yield return new TestCaseData(new[] { 20, 16, 28, 28 }, new[] { 16, 3, 3 }, 1, 1).SetName("DeepConvNet's 16 to 16 conv");
        yield return new TestCaseData(new[] { 5, 64, 7, 7 }, new[] { 64, 3, 3 }, 1, 1).SetName("DeepConvNet's 64 to 64 conv, several images per chunk");
        yield return new TestCaseData(new[] { 3, 4, 9, 33 }, new[] { 7, 5, 5 }, 1, 2).SetName("5x5 pad 2, 33 wide");
        yield return new TestCaseData(new[] { 2, 3, 8, 7 }, new[] { 2, 3, 3 }, 1, 0).SetName("3x3 pad 0");
        yield return new TestCaseData(new[] { 2, 3, 6, 5 }, new[] { 3, 2, 2 }, 1, 2).SetName("2x2 pad 2, wider than the filter's reach");
        yield return new TestCaseData(new[] { 2, 3, 9, 8 }, new[] { 4, 3, 2 }, 1, 1).SetName("3x2 stride 1: dx by folding, not as a convolution");
        yield return new TestCaseData(new[] { 3, 5, 11, 10 }, new[] { 6, 5, 5 }, 1, 3).SetName("5x5 pad 3: dx as a convolution with pad 1");
        yield return new TestCaseData(new[] { 33, 2, 7, 7 }, new[] { 3, 1, 1 }, 1, 0).SetName("1x1 on 33 images: dx as a convolution with pad 0");
        yield return new TestCaseData(new[] { 5, 64, 8, 8 }, new[] { 256, 7, 7 }, 2, 3).SetName("7x7 stride 2, 256 filters on 8x8: each image's product cut along its depth, a parallel loop inside the loop over images");
    }

    [TestCaseSource(nameof(Cases))]
    public void BatchGemm_MatchesIm2ColReference(int[] xShape, int[] filter, int stride, int pad)
    {
        NDArray w = Randn(1, filter[0], xShape[1], filter[1], filter[2]), b = Randn(2, filter[0]);
        NDArray x = Randn(3, xShape);
        var fast = new Convolution(w, b, stride, pad);
        var reference = new Convolution(w, b, stride, pad) { Algorithm = ConvolutionAlgorithm.Im2ColReference };
        NDArray yFast = fast.Forward(x, training: true), yReference = reference.Forward(x, training: true);
        Assert.That(yFast.Shape, Is.EqualTo(yReference.Shape));
        AssertClose(yFast, yReference, "forward");
        Assert.That(fast.Infer(x).ToArray(), Is.EqualTo(yFast.ToArray()), "Infer equals Forward");

        NDArray dout = Randn(4, yFast.Shape);
        NDArray dxFast = fast.Backward(dout), dxReference = reference.Backward(dout);
        AssertClose(dxFast, dxReference, "dx");
        AssertClose(fast.W.Grad, reference.W.Grad, "dW");
        AssertClose(fast.B.Grad, reference.B.Grad, "db");

        float[] fused = fast.Forward(x, training: true, relu: true).ToArray();
        float[] separate = reference.Forward(x, training: true).Relu().ToArray();
        AssertClose(NDArray.FromArray(fused), NDArray.FromArray(separate), "forward with the ReLU fused");
    }

    /// <summary>Equal up to float rounding of long sums: every |a − b| ≤ 1e-5·max|b| + 1e-5.</summary>
    private static void AssertClose(NDArray actual, NDArray expected, string what)
    {
        float[] a = actual.ToArray(), b = expected.ToArray();
        Assert.That(a.Length, Is.EqualTo(b.Length), what);
        float tolerance = 1e-5f * b.Max(MathF.Abs) + 1e-5f;
        for (int i = 0; i < a.Length; i++)
            Assert.That(a[i], Is.EqualTo(b[i]).Within(tolerance), $"{what}, i={i}");
    }

    /// <summary>
    /// The same numbers on one and two threads: 3×3 layers whose passes read the padded image in place (16 filters on
    /// 14×14; 32 on 14×14 with pad 2; 64 on 8×8, by pixel), a 3×3 one of 20 filters whose dW is a GEMM, and a 5×5 one
    /// whose dW is <see cref="ConvolutionWeightGradient"/>'s dot products.
    /// </summary>
    [TestCase(16, 16, 3, 14, 1)]
    [TestCase(32, 32, 3, 14, 2)]
    [TestCase(32, 64, 3, 8, 1)]
    [TestCase(16, 20, 3, 9, 1)]
    [TestCase(1, 30, 5, 28, 0)]
    public void BatchGemm_IsBitIdentical_ForOneAndTwoThreads(int channels, int filters, int size, int map, int pad)
    {
        int outMap = map + 2 * pad - size + 1;
        NDArray w = Randn(1, filters, channels, size, size), b = Randn(2, filters), x = Randn(3, 30, channels, map, map), dout = Randn(4, 30, filters, outMap, outMap);
        float[][] Run(int threads)
        {
            int saved = ParallelRange.MaxThreads;
            ParallelRange.MaxThreads = threads;
            try
            {
                var conv = new Convolution(w, b, 1, pad);
                float[] y = conv.Forward(x, training: true).ToArray();
                float[] dx = conv.Backward(dout).ToArray();
                return [y, dx, conv.W.Grad.ToArray(), conv.B.Grad.ToArray()];
            }
            finally { ParallelRange.MaxThreads = saved; }
        }
        float[][] one = Run(1), two = Run(2);
        for (int i = 0; i < one.Length; i++)
            Assert.That(two[i], Is.EqualTo(one[i]), $"array {i}");
    }

    public static IEnumerable<TestCaseData> StrideOneConvolutions()
    {
        // (N, C, H, W), (FN, FH, FW), pad: stride 1 and K = C·FH·FW ≥ 64, where the forward pass packs its column matrix straight from x.
        // With at most 16 filters the unfolded product goes to GemmDirect512, which sums every output in one chain where the
        // packed kernel's narrow edge and depth blocks sum in parts: the cases whose bit-identity needs that have 17 filters.
        yield return new TestCaseData(new[] { 3, 8, 28, 28 }, new[] { 16, 3, 3 }, 1).SetName("3x3 pad 1, 28x28: a product per image");
        yield return new TestCaseData(new[] { 9, 16, 7, 7 }, new[] { 32, 3, 3 }, 1).SetName("3x3 pad 1, 7x7: slivers across images");
        yield return new TestCaseData(new[] { 11, 8, 4, 4 }, new[] { 5, 3, 3 }, 1).SetName("4x4: a half-sliver per image");
        yield return new TestCaseData(new[] { 7, 3, 5, 5 }, new[] { 6, 5, 5 }, 2).SetName("5x5 pad 2 on 5x5: every tap partly in the padding");
        yield return new TestCaseData(new[] { 4, 22, 6, 9 }, new[] { 7, 1, 3 }, 1).SetName("1x3 pad 1: OH = H + 2, rows of padding");
        yield return new TestCaseData(new[] { 2, 100, 6, 6 }, new[] { 17, 3, 3 }, 1).SetName("K = 900: several depth blocks");
        yield return new TestCaseData(new[] { 5, 8, 3, 37 }, new[] { 3, 3, 3 }, 1).SetName("37 wide: an edge sliver per row of slivers");
        yield return new TestCaseData(new[] { 2, 64, 9, 9 }, new[] { 17, 1, 1 }, 0).SetName("1x1 pad 0");
        yield return new TestCaseData(new[] { 3, 32, 14, 14 }, new[] { 8, 3, 3 }, 2).SetName("3x3 pad 2: OW = W + 2, a half per output row");
        yield return new TestCaseData(new[] { 3, 12, 13, 11 }, new[] { 5, 3, 3 }, 0).SetName("3x3 pad 0: OW = W − 2, runs break at every row");
        yield return new TestCaseData(new[] { 4, 4, 28, 28 }, new[] { 30, 5, 5 }, 0).SetName("5x5 pad 0 on four channels");
    }

    /// <summary>
    /// Packing the column matrix from the image (the implicit GEMM) gives exactly the numbers of unfolding it first: the same
    /// floats reach the same micro-kernel. Without AVX-512F both runs unfold, and the check against the book's code remains.
    /// </summary>
    [TestCaseSource(nameof(StrideOneConvolutions))]
    public void Forward_ImplicitColumns_IsBitIdentical_ToUnfolding(int[] xShape, int[] filter, int pad)
    {
        NDArray w = Randn(1, filter[0], xShape[1], filter[1], filter[2]), b = Randn(2, filter[0]), x = Randn(3, xShape);
        float[] Forward(bool implicitColumns, bool relu)
        {
            (bool savedImplicit, bool savedDirect) = (ConvolutionGemm.UseImplicitColumns, ConvolutionGemm.UseDirect);
            (ConvolutionGemm.UseImplicitColumns, ConvolutionGemm.UseDirect) = (implicitColumns, false);
            try { return new Convolution(w, b, 1, pad).Forward(x, training: true, relu).ToArray(); }
            finally { (ConvolutionGemm.UseImplicitColumns, ConvolutionGemm.UseDirect) = (savedImplicit, savedDirect); }
        }
        var g = new ConvShape(xShape[0], xShape[1], xShape[2], xShape[3], filter[1], filter[2], 1, pad);
        Assert.That(ImplicitColumns.Supports(g), Is.EqualTo(System.Runtime.Intrinsics.X86.Avx512F.IsSupported), "packed from x wherever AVX-512F is present");
        Assert.That(Forward(true, relu: false), Is.EqualTo(Forward(false, relu: false)));
        Assert.That(Forward(true, relu: true), Is.EqualTo(Forward(false, relu: true)));
        var reference = new Convolution(w, b, 1, pad) { Algorithm = ConvolutionAlgorithm.Im2ColReference };
        AssertClose(NDArray.FromArray(Forward(true, relu: false)), reference.Forward(x), "against the book's im2col");
    }

    /// <summary>
    /// The backward pass with dW's column matrix packed from the image as the GEMM's A (<see cref="ImplicitColumns.PackRows"/>)
    /// gives exactly the numbers of unfolding it first; the direct paths are off, so that every case takes the GEMM.
    /// </summary>
    [TestCaseSource(nameof(StrideOneConvolutions))]
    public void Backward_ImplicitRows_IsBitIdentical_ToUnfolding(int[] xShape, int[] filter, int pad)
    {
        NDArray w = Randn(1, filter[0], xShape[1], filter[1], filter[2]), b = Randn(2, filter[0]), x = Randn(3, xShape);
        float[][] Backward(bool implicitColumns)
        {
            (bool savedImplicit, bool savedDirect) = (ConvolutionGemm.UseImplicitColumns, ConvolutionGemm.UseDirect);
            (ConvolutionGemm.UseImplicitColumns, ConvolutionGemm.UseDirect) = (implicitColumns, false);
            try
            {
                var conv = new Convolution(w, b, 1, pad);
                NDArray y = conv.Forward(x, training: true);
                float[] dx = conv.Backward(Randn(4, y.Shape)).ToArray();
                return [conv.W.Grad.ToArray(), conv.B.Grad.ToArray(), dx];
            }
            finally { (ConvolutionGemm.UseImplicitColumns, ConvolutionGemm.UseDirect) = (savedImplicit, savedDirect); }
        }
        float[][] packed = Backward(true), unfolded = Backward(false);
        Assert.That(packed[0], Is.EqualTo(unfolded[0]), "dW");
        Assert.That(packed[1], Is.EqualTo(unfolded[1]), "db");
        Assert.That(packed[2], Is.EqualTo(unfolded[2]), "dx");

        var reference = new Convolution(w, b, 1, pad) { Algorithm = ConvolutionAlgorithm.Im2ColReference };
        NDArray yReference = reference.Forward(x, training: true);
        reference.Backward(Randn(4, yReference.Shape));
        AssertClose(NDArray.FromArray(packed[0]), reference.W.Grad, "dW against the book's im2col");
    }

    /// <summary>
    /// The direct forward pass (taps read in place from the padded image), called on every image whatever its rule says:
    /// against the book's im2col code, with and without the ReLU; tiles cut by FN (1, 7, 30, 33 filters) and grids whose
    /// last tile runs past the last row.
    /// </summary>
    [TestCaseSource(nameof(StrideOneConvolutions))]
    [TestCase(new[] { 2, 1, 28, 28 }, new[] { 30, 5, 5 }, 0, TestName = "SimpleConvNet's 1 to 30 5x5 (25 taps, fewer than the rule's 64)")]
    [TestCase(new[] { 2, 2, 5, 6 }, new[] { 33, 3, 3 }, 1, TestName = "33 filters on a 5x6 map: five slivers, the last of one filter")]
    [TestCase(new[] { 1, 1, 1, 1 }, new[] { 1, 1, 1 }, 0, TestName = "1x1 everything")]
    public void Forward_Direct_MatchesTheBooksIm2Col(int[] xShape, int[] filter, int pad)
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            // Without AVX-512F no geometry takes the direct path; the layers' other paths are checked against the book above.
            Assert.That(ConvolutionDirect.Supports(new ConvShape(1, 16, 28, 28, 3, 3, 1, 1), 16), Is.False);
            return;
        }
        NDArray w = Randn(1, filter[0], xShape[1], filter[1], filter[2]), b = Randn(2, filter[0]), x = Randn(3, xShape);
        var g = new ConvShape(1, xShape[1], xShape[2], xShape[3], filter[1], filter[2], 1, pad);
        int fn = filter[0], inImage = g.C * g.H * g.W, outImage = fn * g.P;
        float[] padded = new float[ConvolutionDirect.PaddedLength(g)];
        int[] offsets = new int[g.K];
        ConvolutionDirect.Offsets(g, offsets);
        var reference = new Convolution(w, b, 1, pad) { Algorithm = ConvolutionAlgorithm.Im2ColReference };
        NDArray expected = reference.Forward(x, training: true);
        foreach (bool relu in new[] { false, true })
        {
            float[] y = new float[xShape[0] * outImage];
            for (int image = 0; image < xShape[0]; image++)
                ConvolutionDirect.Forward(x.ToArray().AsSpan(image * inImage, inImage), w.ToArray(), fn, b.ToArray(), y.AsSpan(image * outImage, outImage), g, relu,
                    padded, offsets);
            AssertClose(NDArray.FromArray(y).Reshape(expected.Shape), relu ? expected.Relu() : expected, relu ? "direct with ReLU" : "direct");
        }
    }

    /// <summary>Which of a direct tile's 32 grid positions are pixels, row by row, against asking each position.</summary>
    [Test]
    public void PixelLanes_MarkThePositionsThatArePixels()
    {
        foreach (int wp in new[] { 3, 9, 16, 17, 30, 33, 64 })
            for (int ow = 1; ow <= wp; ow += Math.Max(1, wp / 5))
                for (int column = 0; column < wp; column++)
                    foreach (int left in new[] { -3, 0, 1, 17, 31, 32, 100 })
                    {
                        uint expected = 0;
                        for (int i = 0; i < 32; i++)
                            if (i < left && (column + i) % wp < ow)
                                expected |= 1u << i;
                        Assert.That(ConvolutionDirect.PixelLanes(column, wp, ow, left), Is.EqualTo(expected), $"wp {wp}, ow {ow}, column {column}, left {left}");
                    }
    }

    /// <summary>
    /// Where the layers take the direct path, its numbers are those of the packed product, bit for bit, when that product
    /// is formed per image (maps of at least 256 pixels): the same sums in the same order, the same epilogue.
    /// </summary>
    [TestCase(new[] { 3, 16, 28, 28 }, new[] { 16, 3, 3 }, 1)]
    [TestCase(new[] { 2, 32, 14, 14 }, new[] { 32, 3, 3 }, 2)]
    [TestCase(new[] { 2, 8, 20, 19 }, new[] { 13, 3, 3 }, 1)]
    public void Forward_Direct_IsBitIdentical_ToThePackedProduct(int[] xShape, int[] filter, int pad)
    {
        NDArray w = Randn(1, filter[0], xShape[1], filter[1], filter[2]), b = Randn(2, filter[0]), x = Randn(3, xShape);
        var g = new ConvShape(xShape[0], xShape[1], xShape[2], xShape[3], filter[1], filter[2], 1, pad);
        Assert.That(ConvolutionDirect.Supports(g, filter[0]), Is.EqualTo(System.Runtime.Intrinsics.X86.Avx512F.IsSupported), "taken wherever AVX-512F is present");
        float[] Forward(bool direct, bool relu)
        {
            bool saved = ConvolutionGemm.UseDirect;
            ConvolutionGemm.UseDirect = direct;
            try { return new Convolution(w, b, 1, pad).Forward(x, training: true, relu).ToArray(); }
            finally { ConvolutionGemm.UseDirect = saved; }
        }
        Assert.That(Forward(true, relu: false), Is.EqualTo(Forward(false, relu: false)));
        Assert.That(Forward(true, relu: true), Is.EqualTo(Forward(false, relu: true)));
    }

    /// <summary>
    /// dx as dout convolved with the rotated filters (<see cref="ConvolutionDirect.SupportsGradient"/>) against GEMM and fold:
    /// the gradient's padding FH − 1 − pad of 1, 0 and 2, 5×5 filters, 9 input channels (a tile of 8 and an edge of 1),
    /// 33 filters (five slivers of the tile), a 17-wide map, and the ReLU before the layer applied to dx in the same pass.
    /// The first case's dW also comes from the padded image (<see cref="ConvolutionDirect.SupportsWeightGradient"/>).
    /// </summary>
    [TestCase(new[] { 3, 16, 28, 28 }, new[] { 16, 3, 3 }, 1)]
    [TestCase(new[] { 2, 32, 14, 14 }, new[] { 32, 3, 3 }, 2)]
    [TestCase(new[] { 2, 9, 9, 33 }, new[] { 7, 5, 5 }, 2)]
    [TestCase(new[] { 3, 20, 16, 17 }, new[] { 33, 3, 3 }, 0)]
    public void Backward_DxByConvolution_MatchesFolding(int[] xShape, int[] filter, int pad)
    {
        NDArray w = Randn(1, filter[0], xShape[1], filter[1], filter[2]), b = Randn(2, filter[0]), x = Randn(3, xShape);
        var g = new ConvShape(xShape[0], xShape[1], xShape[2], xShape[3], filter[1], filter[2], 1, pad);
        Assert.That(ConvolutionDirect.SupportsGradient(g, filter[0]), Is.EqualTo(System.Runtime.Intrinsics.X86.Avx512F.IsSupported), "taken wherever AVX-512F is present");
        NDArray dout = Randn(4, xShape[0], filter[0], g.OH, g.OW);
        foreach (bool inputFromRelu in new[] { false, true })
        {
            float[][] Backward(bool direct)
            {
                bool saved = ConvolutionGemm.UseDirect;
                ConvolutionGemm.UseDirect = direct;
                try
                {
                    var conv = new Convolution(w, b, 1, pad);
                    conv.Forward(x, training: true);
                    NDArray dx = inputFromRelu ? conv.BackwardThroughInputRelu(dout) : conv.Backward(dout);
                    return [dx.ToArray(), conv.W.Grad.ToArray(), conv.B.Grad.ToArray()];
                }
                finally { ConvolutionGemm.UseDirect = saved; }
            }
            float[][] direct = Backward(true), folded = Backward(false);
            AssertClose(NDArray.FromArray(direct[0]), NDArray.FromArray(folded[0]), $"dx (input from a ReLU: {inputFromRelu})");
            AssertClose(NDArray.FromArray(direct[1]), NDArray.FromArray(folded[1]), "dW");
            AssertClose(NDArray.FromArray(direct[2]), NDArray.FromArray(folded[2]), "db");
        }
    }

    /// <summary>Chunks of images: as many as 256 KB of column matrix holds, and at least 64 pixels for a product that packs all of W.</summary>
    [TestCase(100, 1, 28, 5, 1, 0, 4)]      // SimpleConvNet's: K = 25, 576 pixels per image
    [TestCase(100, 64, 7, 3, 1, 1, 2)]      // DeepConvNet's 64 → 64: K = 576, 49 pixels
    [TestCase(32, 64, 8, 7, 2, 3, 4)]       // K = 3136, 16 pixels: 64 columns, 800 KB of columns
    [TestCase(3, 64, 8, 7, 2, 3, 3)]        // no more than the batch
    [TestCase(2, 512, 40, 3, 1, 1, 1)]      // K = 4608, 1600 pixels: one image
    public void ImagesPerChunk_FillTheBudget_WithAtLeast64Columns(int n, int channels, int map, int filter, int stride, int pad, int expected) =>
        Assert.That(ConvolutionGemm.ImagesPerChunk(new ConvShape(n, channels, map, map, filter, filter, stride, pad)), Is.EqualTo(expected));

    /// <summary>
    /// A layer with fewer input channels than the direct tile's 8 filters (a network's first layer, on grey or RGB images)
    /// forms dx by GEMM and fold: on the direct path each tile would compute 8 / C times the work it keeps.
    /// </summary>
    [TestCase(1, 30, 5, 0)]
    [TestCase(3, 16, 3, 1)]
    [TestCase(7, 16, 3, 1)]
    public void Backward_FewInputChannels_DoesNotTakeTheDirectDx(int channels, int fn, int fh, int pad)
    {
        var g = new ConvShape(2, channels, 28, 28, fh, fh, 1, pad);
        Assert.That(ConvolutionDirect.SupportsGradient(g, fn), Is.False);
        Assert.That(ConvolutionDirect.SupportsGradient(g with { C = 8 }, fn), Is.EqualTo(System.Runtime.Intrinsics.X86.Avx512F.IsSupported));
    }

    /// <summary>The weight gradient's dot products against a plain double-precision loop: tiles cut by FN and K, pixels past the last 16, several images, adding to what is there.</summary>
    [TestCase(1, 1, 1, 1)]
    [TestCase(30, 25, 4, 576)]
    [TestCase(7, 33, 3, 33)]
    [TestCase(16, 9, 2, 257)]
    [TestCase(5, 63, 1, 7)]
    public void WeightGradientDots_MatchNaive(int fn, int k, int images, int p)
    {
        float[] cols = Randn(5, k, images * p).ToArray(), dout = Randn(6, images, fn, p).ToArray(), dWT = new float[k * fn];
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            // Without AVX-512F the layers take the GEMM path (checked against the book's code above), and the kernel refuses.
            Assert.That(() => ConvolutionWeightGradient.Multiply(cols, dout, k, fn, images, p, dWT, accumulate: false), Throws.ArgumentException);
            return;
        }
        var expected = new double[k * fn];
        for (int row = 0; row < k; row++)
            for (int f = 0; f < fn; f++)
                for (int image = 0; image < images; image++)
                    for (int q = 0; q < p; q++)
                        expected[row * fn + f] += (double)cols[row * images * p + image * p + q] * dout[(image * fn + f) * p + q];
        ConvolutionWeightGradient.Multiply(cols, dout, k, fn, images, p, dWT, accumulate: false);
        for (int i = 0; i < dWT.Length; i++)
            Assert.That(dWT[i], Is.EqualTo(expected[i]).Within(1e-4 * Math.Sqrt(images * p) + 1e-5), $"dWᵀ[{i / fn}, {i % fn}]");
        ConvolutionWeightGradient.Multiply(cols, dout, k, fn, images, p, dWT, accumulate: true);
        for (int i = 0; i < dWT.Length; i++)
            Assert.That(dWT[i], Is.EqualTo(2 * expected[i]).Within(2e-4 * Math.Sqrt(images * p) + 1e-5), $"accumulated dWᵀ[{i / fn}, {i % fn}]");
    }

    /// <summary>
    /// One image's dWᵀ from the padded image and dout on the grid (<see cref="ConvolutionWeightGradient.MultiplyGrid"/>) against
    /// the definition in double: taps cut by the tile's 5 (27 and 50 taps), maps by its 4 (1, 7 and 16 filters), padding 0-2,
    /// a 5×5 filter, a grid whose last tile runs past the map, and adding to what is there.
    /// </summary>
    [TestCase(3, 9, 11, 3, 1, 7)]
    [TestCase(2, 12, 12, 5, 2, 16)]
    [TestCase(3, 8, 30, 3, 0, 1)]
    [TestCase(16, 28, 28, 3, 1, 16)]
    public void WeightGradientOnGrid_MatchesDefinition(int c, int h, int w, int f, int pad, int fn)
    {
        var g = new ConvShape(1, c, h, w, f, f, 1, pad);
        float[] x = Randn(5, c, h, w).ToArray(), dout = Randn(6, fn, g.OH, g.OW).ToArray();
        float[] padded = new float[ConvolutionDirect.PaddedLength(g)], grid = new float[fn * ConvolutionDirect.GridLength(g)], dWT = new float[g.K * fn];
        int[] offsets = new int[g.K];
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            Assert.That(() => ConvolutionWeightGradient.MultiplyGrid(padded, offsets, grid, g.K, fn, ConvolutionDirect.GridLength(g), dWT, accumulate: false), Throws.ArgumentException);
            return;
        }
        double[] expected = WeightGradientDefinition(x, dout, g, fn);
        ConvolutionDirect.Pad(x, padded, g);
        ConvolutionDirect.ToGrid(dout, grid, g, fn);
        ConvolutionDirect.Offsets(g, offsets);
        double tolerance = 1e-4 * Math.Sqrt(g.P) + 1e-5;
        ConvolutionWeightGradient.MultiplyGrid(padded, offsets, grid, g.K, fn, ConvolutionDirect.GridLength(g), dWT, accumulate: false);
        for (int i = 0; i < dWT.Length; i++)
            Assert.That(dWT[i], Is.EqualTo(expected[i]).Within(tolerance), $"dWᵀ[{i / fn}, {i % fn}]");
        ConvolutionWeightGradient.MultiplyGrid(padded, offsets, grid, g.K, fn, ConvolutionDirect.GridLength(g), dWT, accumulate: true);
        for (int i = 0; i < dWT.Length; i++)
            Assert.That(dWT[i], Is.EqualTo(2 * expected[i]).Within(2 * tolerance), $"accumulated dWᵀ[{i / fn}, {i % fn}]");
    }

    /// <summary>dWᵀ[(c, fy, fx), f] = Σ_image Σ_(oy, ox) x[image, c, oy + fy − pad, ox + fx − pad]·dout[image, f, oy, ox], in double (stride 1, square filters).</summary>
    private static double[] WeightGradientDefinition(float[] x, float[] dout, ConvShape g, int fn)
    {
        var dWT = new double[g.K * fn];
        for (int image = 0; image < g.N; image++)
            for (int ch = 0; ch < g.C; ch++)
                for (int fy = 0; fy < g.FH; fy++)
                    for (int fx = 0; fx < g.FW; fx++)
                        for (int map = 0; map < fn; map++)
                            for (int oy = 0; oy < g.OH; oy++)
                                for (int ox = 0; ox < g.OW; ox++)
                                {
                                    int iy = oy + fy - g.Pad, ix = ox + fx - g.Pad;
                                    if (iy >= 0 && iy < g.H && ix >= 0 && ix < g.W)
                                        dWT[((ch * g.FH + fy) * g.FW + fx) * fn + map] +=
                                            (double)x[((image * g.C + ch) * g.H + iy) * g.W + ix] * dout[((image * fn + map) * g.OH + oy) * g.OW + ox];
                                }
        return dWT;
    }

    /// <summary>
    /// dWᵀ for several images with the taps read in place from the padded images and dout by pixel
    /// (<see cref="ConvolutionWeightGradientDirect"/>) against the definition in double: taps cut by the tile's 8 (27, 50 and 81
    /// taps), filters by its 32 (16: a half tile only; 48: a tile and a half), padding 0-2, a one-row map, a 5×5 filter,
    /// DeepConvNet's 64 → 64 at 8×8, and adding to what is there.
    /// </summary>
    [TestCase(3, 9, 11, 3, 1, 16, 2)]
    [TestCase(9, 7, 7, 3, 1, 48, 3)]
    [TestCase(2, 12, 12, 5, 2, 32, 1)]
    [TestCase(5, 6, 9, 3, 0, 32, 2)]
    [TestCase(4, 1, 33, 3, 1, 16, 1)]
    [TestCase(16, 28, 28, 3, 1, 16, 2)]
    [TestCase(64, 8, 8, 3, 1, 64, 3)]
    public void WeightGradientDirect_MatchesDefinition(int c, int h, int w, int f, int pad, int fn, int images)
    {
        var g = new ConvShape(images, c, h, w, f, f, 1, pad);
        float[] x = Randn(5, images, c, h, w).ToArray(), dout = Randn(6, images, fn, g.OH, g.OW).ToArray();
        int paddedImage = ConvolutionDirect.PaddedLength(g);
        float[] padded = new float[images * paddedImage], doutByPixel = new float[g.Columns * fn], dWT = new float[g.K * fn];
        int[] offsets = new int[g.K];
        ConvolutionDirect.Offsets(g, offsets);
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            Assert.That(() => ConvolutionWeightGradientDirect.Multiply(padded, paddedImage, offsets, doutByPixel, g, fn, dWT, accumulate: false), Throws.ArgumentException);
            return;
        }
        double[] expected = WeightGradientDefinition(x, dout, g, fn);
        for (int image = 0; image < images; image++)
            ConvolutionDirect.Pad(x.AsSpan(image * c * h * w, c * h * w), padded.AsSpan(image * paddedImage, paddedImage), g);
        for (int image = 0; image < images; image++)
            MatrixTranspose.Transpose(dout.AsSpan(image * fn * g.P, fn * g.P), fn, g.P, doutByPixel.AsSpan(image * fn * g.P, fn * g.P));
        double tolerance = 1e-4 * Math.Sqrt(g.Columns) + 1e-5;
        ConvolutionWeightGradientDirect.Multiply(padded, paddedImage, offsets, doutByPixel, g, fn, dWT, accumulate: false);
        for (int i = 0; i < dWT.Length; i++)
            Assert.That(dWT[i], Is.EqualTo(expected[i]).Within(tolerance), $"dWᵀ[{i / fn}, {i % fn}]");
        ConvolutionWeightGradientDirect.Multiply(padded, paddedImage, offsets, doutByPixel, g, fn, dWT, accumulate: true);
        for (int i = 0; i < dWT.Length; i++)
            Assert.That(dWT[i], Is.EqualTo(2 * expected[i]).Within(2 * tolerance), $"accumulated dWᵀ[{i / fn}, {i % fn}]");

        offsets[g.K - 1] = paddedImage;
        Assert.That(() => ConvolutionWeightGradientDirect.Multiply(padded, paddedImage, offsets, doutByPixel, g, fn, dWT, accumulate: false),
            Throws.ArgumentException.With.Message.Contains("reaches past"), "an offset outside the padded image");
    }

    /// <summary>
    /// A layer's dW with the taps read in place (<see cref="ConvolutionWeightGradientDirect"/>) against unfolding cols into a
    /// GEMM, on DeepConvNet's deeper convolutions: exactly the same floats where a chunk's pixels fit one depth block of the
    /// GEMM (as here: 392, 256, 192 and 64 pixels), for the GEMM sums each product in the same order; dx as well.
    /// </summary>
    [TestCase(3, 16, 14, 32, 1)]
    [TestCase(2, 32, 14, 32, 2)]
    [TestCase(4, 32, 8, 64, 1)]
    [TestCase(3, 64, 8, 64, 1)]
    public void Backward_DirectWeightGradient_IsBitIdentical_ToUnfolding(int n, int c, int size, int fn, int pad)
    {
        NDArray w = Randn(1, fn, c, 3, 3), b = Randn(2, fn), x = Randn(3, n, c, size, size);
        float[][] Backward(bool direct)
        {
            bool saved = ConvolutionGemm.UseDirectWeightGradient, savedImplicit = ConvolutionGemm.UseImplicitColumns;
            (ConvolutionGemm.UseDirectWeightGradient, ConvolutionGemm.UseImplicitColumns) = (direct, false);
            try
            {
                var conv = new Convolution(w, b, 1, pad);
                NDArray y = conv.Forward(x, training: true);
                float[] dx = conv.Backward(Randn(4, y.Shape)).ToArray();
                return [conv.W.Grad.ToArray(), conv.B.Grad.ToArray(), dx];
            }
            finally { (ConvolutionGemm.UseDirectWeightGradient, ConvolutionGemm.UseImplicitColumns) = (saved, savedImplicit); }
        }
        var g = new ConvShape(n, c, size, size, 3, 3, 1, pad);
        Assert.That(ConvolutionWeightGradientDirect.Supports(g, fn), Is.EqualTo(System.Runtime.Intrinsics.X86.Avx512F.IsSupported));
        float[][] direct = Backward(true), unfolded = Backward(false);
        Assert.That(direct[0], Is.EqualTo(unfolded[0]), "dW");
        AssertClose(NDArray.FromArray(direct[1]), NDArray.FromArray(unfolded[1]), "db, summed map by map rather than along the gathered rows");
        Assert.That(direct[2], Is.EqualTo(unfolded[2]), "dx");
    }

    /// <summary>
    /// One image convolved pixel by pixel (<see cref="ConvolutionByPixel.Convolve"/>) against the definition in double: rows
    /// of 14 (a tile of 8 and one of 6), 3 and 1 pixels, 32 and 64 output channels, padding 0-2, a 5×5 filter, a 1×3 one;
    /// without and with a bias and the ReLU.
    /// </summary>
    [TestCase(16, 14, 14, 3, 3, 1, 32)]
    [TestCase(3, 9, 3, 5, 5, 2, 64)]
    [TestCase(5, 6, 1, 1, 3, 1, 32)]
    [TestCase(7, 10, 12, 3, 3, 0, 32)]
    public void ConvolveByPixel_MatchesDefinition(int c, int h, int w, int fh, int fw, int pad, int m)
    {
        var g = new ConvShape(1, c, h, w, fh, fw, 1, pad);
        float[] x = Randn(8, c, h, w).ToArray(), filters = Randn(9, g.K, m).ToArray();
        float[] padded = new float[ConvolutionDirect.PaddedLength(g)], output = new float[g.P * m];
        int[] offsets = new int[g.K];
        ConvolutionDirect.Offsets(g, offsets);
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            Assert.That(() => ConvolutionByPixel.Convolve(padded, offsets, filters, m, g, output), Throws.ArgumentException);
            return;
        }
        ConvolutionDirect.Pad(x, padded, g);
        float[] bias = Randn(12, m).ToArray(), withBias = new float[output.Length];
        ConvolutionByPixel.Convolve(padded, offsets, filters, m, g, output);
        ConvolutionByPixel.Convolve(padded, offsets, filters, m, g, withBias, bias, relu: true);
        for (int oy = 0; oy < g.OH; oy++)
            for (int ox = 0; ox < g.OW; ox++)
                for (int j = 0; j < m; j++)
                {
                    double expected = 0;
                    for (int ch = 0; ch < c; ch++)
                        for (int fy = 0; fy < fh; fy++)
                            for (int fx = 0; fx < fw; fx++)
                            {
                                int iy = oy + fy - pad, ix = ox + fx - pad;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    expected += (double)x[(ch * h + iy) * w + ix] * filters[((ch * fh + fy) * fw + fx) * m + j];
                            }
                    Assert.That(output[(oy * g.OW + ox) * m + j], Is.EqualTo(expected).Within(1e-4 * Math.Sqrt(g.K) + 1e-5), $"pixel ({oy}, {ox}), channel {j}");
                    Assert.That(withBias[(oy * g.OW + ox) * m + j], Is.EqualTo(Math.Max(expected + bias[j], 0)).Within(1e-4 * Math.Sqrt(g.K) + 1e-5), $"with bias and ReLU: pixel ({oy}, {ox}), channel {j}");
                }
        Assert.That(() => ConvolutionByPixel.Convolve(padded, offsets, filters, 16, g, output), Throws.ArgumentException, "16 channels: not whole tiles");
        offsets[0] = padded.Length - 8;
        Assert.That(() => ConvolutionByPixel.Convolve(padded, offsets, filters, m, g, output),
            Throws.ArgumentException.With.Message.Contains("reaches past"), "an offset outside the padded image");
    }

    /// <summary>The filters of dx by tap are W rotated by 180° in each (filter, channel) plane, laid out (FN·FH·FW, C).</summary>
    [Test]
    public void RotatedFiltersByTap_AreTheFlippedFilters()
    {
        int fn = 3, c = 2, fh = 2, fw = 3;
        var g = new ConvShape(1, c, 5, 5, fh, fw, 1, 1);
        float[] w = Randn(10, fn, c, fh, fw).ToArray(), byTap = new float[w.Length];
        ConvolutionByPixel.RotatedFiltersByTap(w, byTap, g, fn);
        for (int f = 0; f < fn; f++)
            for (int ch = 0; ch < c; ch++)
                for (int fy = 0; fy < fh; fy++)
                    for (int fx = 0; fx < fw; fx++)
                        Assert.That(byTap[((f * fh + fy) * fw + fx) * c + ch], Is.EqualTo(w[((f * c + ch) * fh + fh - 1 - fy) * fw + fw - 1 - fx]));
    }

    /// <summary>A row-major matrix transposed: rows 1, 7, 8, 33 and 257 (8 at a time, then one by one), columns 1, 16 and 33.</summary>
    [TestCase(1, 33)]
    [TestCase(7, 16)]
    [TestCase(8, 1)]
    [TestCase(33, 33)]
    [TestCase(257, 16)]
    public void MatrixTranspose_MatchesDefinition(int rows, int cols)
    {
        float[] source = Randn(11, rows, cols).ToArray(), transposed = new float[rows * cols];
        MatrixTranspose.Transpose(source, rows, cols, transposed);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
                Assert.That(transposed[j * rows + r], Is.EqualTo(source[r * cols + j]), $"row {r}, column {j}");
        Assert.That(() => MatrixTranspose.Transpose(source, rows + 1, cols, transposed), Throws.ArgumentException, "a span too short");
    }

    /// <summary>
    /// A layer's dx by <see cref="ConvolutionByPixel"/> against the path each geometry takes without it: exactly the grid's
    /// numbers (<see cref="ConvolutionDirect"/>, the same sum over the taps in order) for 32 channels on 14×14, and close to
    /// GEMM and fold for 32 and 64 channels on 8×8 (another order of the sums).
    /// </summary>
    [TestCase(3, 32, 14, 32, 2, true)]
    [TestCase(2, 32, 8, 64, 1, false)]
    [TestCase(3, 64, 8, 64, 1, false)]
    public void Backward_DxByPixel_AgreesWithThePathBefore(int n, int c, int size, int fn, int pad, bool bitIdentical)
    {
        NDArray w = Randn(1, fn, c, 3, 3), b = Randn(2, fn), x = Randn(3, n, c, size, size);
        float[] Dx(bool byPixel)
        {
            bool saved = ConvolutionGemm.UseDxByPixel;
            ConvolutionGemm.UseDxByPixel = byPixel;
            try
            {
                var conv = new Convolution(w, b, 1, pad);
                NDArray y = conv.Forward(x, training: true);
                return conv.Backward(Randn(4, y.Shape)).ToArray();
            }
            finally { ConvolutionGemm.UseDxByPixel = saved; }
        }
        var g = new ConvShape(n, c, size, size, 3, 3, 1, pad);
        Assert.That(ConvolutionByPixel.SupportsGradient(g, fn), Is.EqualTo(System.Runtime.Intrinsics.X86.Avx512F.IsSupported));
        float[] byPixel = Dx(true), before = Dx(false);
        if (bitIdentical)
            Assert.That(byPixel, Is.EqualTo(before));
        else
            AssertClose(NDArray.FromArray(byPixel), NDArray.FromArray(before), "dx");
    }

    /// <summary>
    /// A layer's forward pass pixel by pixel (<see cref="ConvolutionByPixel"/>) gives exactly the numbers of the packed
    /// product it replaces (each output one chain over the taps, then the bias and ReLU): DeepConvNet's 32 → 64 and 64 → 64
    /// on 8×8, and 32 filters on a 5×5 map (too narrow for <see cref="ConvolutionDirect"/>'s grid); plain, with the ReLU,
    /// and fused with ReLU and 2×2 max pooling.
    /// </summary>
    [TestCase(3, 32, 8, 64)]
    [TestCase(2, 64, 8, 64)]
    [TestCase(3, 16, 5, 32)]
    public void Forward_ByPixel_IsBitIdentical_ToThePackedProduct(int n, int c, int size, int fn)
    {
        NDArray w = Randn(1, fn, c, 3, 3), b = Randn(2, fn), x = Randn(3, n, c, size, size);
        float[][] Forward(bool byPixel)
        {
            bool saved = ConvolutionGemm.UseByPixel;
            ConvolutionGemm.UseByPixel = byPixel;
            try
            {
                var conv = new Convolution(w, b, 1, 1);
                return [conv.Forward(x, training: true).ToArray(), conv.Forward(x, training: true, relu: true).ToArray(),
                    conv.ForwardReluMaxPooling(x, new MaxPooling(2, 2, stride: 2)).ToArray()];
            }
            finally { ConvolutionGemm.UseByPixel = saved; }
        }
        var g = new ConvShape(n, c, size, size, 3, 3, 1, 1);
        Assert.That(ConvolutionByPixel.Supports(g, fn) && !ConvolutionDirect.Supports(g, fn), Is.EqualTo(System.Runtime.Intrinsics.X86.Avx512F.IsSupported));
        float[][] byPixel = Forward(true), packed = Forward(false);
        Assert.That(byPixel[0], Is.EqualTo(packed[0]), "forward");
        Assert.That(byPixel[1], Is.EqualTo(packed[1]), "with the ReLU");
        Assert.That(byPixel[2], Is.EqualTo(packed[2]), "with the ReLU and max pooling");
    }

    /// <summary>A layer's dW and db by the dot products equal those by the GEMM up to the order of the sums.</summary>
    [TestCase(7, 1, 28, 28, 30, 5, 0)]
    [TestCase(3, 3, 9, 11, 6, 3, 1)]
    public void Backward_WeightGradientDots_AgreeWithGemm(int n, int c, int h, int w, int fn, int f, int pad)
    {
        NDArray weights = Randn(1, fn, c, f, f), b = Randn(2, fn), x = Randn(3, n, c, h, w);
        (float[] dW, float[] db, float[] dx) Backward(bool dots)
        {
            bool saved = ConvolutionGemm.UseWeightGradientDots;
            ConvolutionGemm.UseWeightGradientDots = dots;
            try
            {
                var conv = new Convolution(weights, b, 1, pad);
                NDArray y = conv.Forward(x, training: true);
                float[] dx = conv.Backward(Randn(4, y.Shape)).ToArray();
                return (conv.W.Grad.ToArray(), conv.B.Grad.ToArray(), dx);
            }
            finally { ConvolutionGemm.UseWeightGradientDots = saved; }
        }
        var (dW, db, dx) = Backward(dots: true);
        var (dWGemm, dbGemm, dxGemm) = Backward(dots: false);
        AssertClose(NDArray.FromArray(dW), NDArray.FromArray(dWGemm), "dW");
        AssertClose(NDArray.FromArray(db), NDArray.FromArray(dbGemm), "db");
        Assert.That(dx, Is.EqualTo(dxGemm), "dx does not depend on how dW is formed");
    }

    [Test]
    public void Forward_NonContiguousInput_EqualsContiguousCopy()
    {
        var conv = new Convolution(Randn(1, 4, 3, 3, 3), Randn(2, 4), 1, 1);
        NDArray x = Randn(3, 5, 6, 3, 2).Transpose(0, 2, 1, 3);           // (5, 3, 6, 2), a strided view
        float[] fromView = conv.Forward(x).ToArray();
        Assert.That(conv.Forward(x.Contiguous()).ToArray(), Is.EqualTo(fromView));
    }
}
