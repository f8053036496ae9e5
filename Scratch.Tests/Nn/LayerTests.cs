using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

public class LayerTests
{
    private static NDArray Randn(uint seed, params int[] shape) => NDArray.RandomNormal(shape, 0f, 1f, seed);

    [Test]
    public void Affine_Forward_HandExample()
    {
        // [[1, 2], [3, 4]]·[[1, 0, −1], [2, 1, 0]] = [[5, 2, −1], [11, 4, −3]]; + b [0.5, −1, 2]
        var affine = new Affine(NDArray.FromArray([1f, 0f, -1f, 2f, 1f, 0f], 2, 3), NDArray.FromArray([0.5f, -1f, 2f]));
        NDArray output = affine.Forward(NDArray.FromArray([1f, 2f, 3f, 4f], 2, 2));
        Assert.That(output.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(output.ToArray(), Is.EqualTo(new[] { 5.5f, 1f, 1f, 11.5f, 3f, -1f }));
        Assert.That(affine.Parameters.Select(p => p.Name), Is.EqualTo(new[] { "W", "b" }));
    }

    [Test]
    public void Affine_Backward_RestoresInputShape_AndFillsGrads()
    {
        var affine = new Affine(Randn(1, 12, 4), Randn(2, 4));
        NDArray x = Randn(3, 2, 3, 2, 2);
        affine.Forward(x);
        NDArray dout = NDArray.Ones(2, 4);
        NDArray dx = affine.Backward(dout);
        Assert.That(dx.Shape, Is.EqualTo(new[] { 2, 3, 2, 2 }));
        Assert.That(affine.B.Grad.ToArray(), Is.EqualTo(new[] { 2f, 2f, 2f, 2f }));   // db = Σ_N dout
    }

    [Test]
    public void BatchNormalization_Forward_HandExample()
    {
        // Feature 0: x = (1, 3): μ = 2, σ² = 1 → (∓1)/√(1 + 1e-6). Feature 1: x = (2, 6): μ = 4, σ² = 4 → (∓2)/√(4 + 1e-6).
        var bn = new BatchNormalization(NDArray.Ones(2), NDArray.Zeros(2));
        NDArray output = bn.Forward(NDArray.FromArray([1f, 2f, 3f, 6f], 2, 2), training: true);
        float a = 1f / MathF.Sqrt(1f + 1e-6f), b = 2f / MathF.Sqrt(4f + 1e-6f);
        Assert.That(output.ToArray(), Is.EqualTo(new[] { -a, -b, a, b }).Within(1e-6f));
    }

    [Test]
    public void BatchNormalization_Forward_GivesMeanZeroVarianceOne_PerFeature()
    {
        var bn = new BatchNormalization(NDArray.Ones(7), NDArray.Zeros(7));
        NDArray x = Randn(4, 64, 7) * 3f + 5f;
        NDArray output = bn.Forward(x, training: true);
        Assert.That(output.Mean(axis: 0).ToArray(), Is.All.EqualTo(0f).Within(1e-5f));
        Assert.That(output.Var(axis: 0).ToArray(), Is.All.EqualTo(1f).Within(1e-4f));
    }

    [Test]
    public void BatchNormalization_RunningStatistics_AfterTwoBatches()
    {
        // momentum 0.9, running stats start at 0.
        // batch 1: μ = (2, 4), σ² = (1, 4) → running mean 0.1·μ = (0.2, 0.4), var (0.1, 0.4)
        // batch 2: μ = (1, 1), σ² = (1, 1) → mean 0.9·(0.2, 0.4) + 0.1·1 = (0.28, 0.46), var 0.9·(0.1, 0.4) + 0.1·1 = (0.19, 0.46)
        var bn = new BatchNormalization(NDArray.Ones(2), NDArray.Zeros(2));
        Assert.That(bn.RunningMean, Is.Null);
        bn.Forward(NDArray.FromArray([1f, 2f, 3f, 6f], 2, 2), training: true);
        Assert.That(bn.RunningMean!.ToArray(), Is.EqualTo(new[] { 0.2f, 0.4f }).Within(1e-6f));
        Assert.That(bn.RunningVar!.ToArray(), Is.EqualTo(new[] { 0.1f, 0.4f }).Within(1e-6f));
        bn.Forward(NDArray.FromArray([0f, 0f, 2f, 2f], 2, 2), training: true);
        Assert.That(bn.RunningMean!.ToArray(), Is.EqualTo(new[] { 0.28f, 0.46f }).Within(1e-6f));
        Assert.That(bn.RunningVar!.ToArray(), Is.EqualTo(new[] { 0.19f, 0.46f }).Within(1e-6f));
        // test mode uses them: (x − 0.28)/√(0.19 + 1e-6) for feature 0
        NDArray test = bn.Forward(NDArray.FromArray([1f, 1f], 1, 2));
        Assert.That(test[0, 0], Is.EqualTo((1f - 0.28f) / MathF.Sqrt(0.19f + 1e-6f)).Within(1e-5f));
        Assert.That(bn.RunningMean!.ToArray(), Is.EqualTo(new[] { 0.28f, 0.46f }).Within(1e-6f), "test mode must not update");
    }

    [Test]
    public void BatchNormalization_PerFeature_Vs_BatchNormalization2d_PerChannel()
    {
        // One (N, C, H, W) = (8, 2, 3, 3) batch, where each pixel position has its own offset.
        const int n = 8, c = 2, h = 3, w = 3;
        NDArray x = Randn(5, n, c, h, w) + NDArray.Arange(c * h * w).Reshape(1, c, h, w) * 0.5f;
        var perFeature = new BatchNormalization(NDArray.Ones(c * h * w), NDArray.Zeros(c * h * w), momentum: 0f);
        var perChannel = new BatchNormalization2d(NDArray.Ones(c), NDArray.Zeros(c), momentum: 0f);   // momentum 0: running = the batch
        NDArray a = perFeature.Forward(x, training: true), b = perChannel.Forward(x, training: true);

        // The book's: each of the C·H·W features has mean 0, variance ≈ 1 over N.
        NDArray a2 = a.Reshape(n, -1);
        Assert.That(a2.Mean(axis: 0).ToArray(), Is.All.EqualTo(0f).Within(1e-5f));
        Assert.That(a2.Var(axis: 0).ToArray(), Is.All.EqualTo(1f).Within(1e-3f));
        // Per channel: each channel has mean 0, variance ≈ 1 over (N, H, W), but single positions are not centred.
        NDArray b2 = b.Transpose(1, 0, 2, 3).Reshape(c, -1);
        Assert.That(b2.Mean(axis: 1).ToArray(), Is.All.EqualTo(0f).Within(1e-5f));
        Assert.That(b2.Var(axis: 1).ToArray(), Is.All.EqualTo(1f).Within(1e-3f));
        Assert.That(b.Reshape(n, -1).Mean(axis: 0).Abs().Max().Item(), Is.GreaterThan(0.5f));

        // The statistics differ: 18 per-feature means vs 2 per-channel means. The channel mean is the average of its
        // positions' means; the channel variance is the average within-position variance plus the variance of the
        // position means (the law of total variance), so it is larger here (positions are offset by 0.5 each).
        float[] featureMean = perFeature.RunningMean!.ToArray(), featureVar = perFeature.RunningVar!.ToArray();
        float[] channelMean = perChannel.RunningMean!.ToArray(), channelVar = perChannel.RunningVar!.ToArray();
        Assert.That(featureMean, Has.Length.EqualTo(18));
        Assert.That(channelMean, Has.Length.EqualTo(2));
        for (int k = 0; k < c; k++)
        {
            float[] means = featureMean[(k * 9)..((k + 1) * 9)], vars = featureVar[(k * 9)..((k + 1) * 9)];
            float meanOfMeans = means.Average();
            float total = vars.Average() + means.Select(m => (m - meanOfMeans) * (m - meanOfMeans)).Average();
            Assert.That(channelMean[k], Is.EqualTo(meanOfMeans).Within(1e-4f), $"channel {k}");
            Assert.That(channelVar[k], Is.EqualTo(total).Within(1e-3f), $"channel {k}");
            Assert.That(channelVar[k] - vars.Average(), Is.GreaterThan(1f), $"channel {k}: between-position variance");
        }
        Assert.That((a - b).Abs().Max().Item(), Is.GreaterThan(0.5f));
        TestContext.Out.WriteLine($"channel variance {string.Join(", ", channelVar)} vs mean per-feature variance {featureVar[..9].Average()}, {featureVar[9..].Average()}");
    }

    [Test]
    public void MaxPooling_HandExample_ForwardAndBackward()
    {
        // 2×2 windows, stride 2:   [1 2 | 3 0]
        //                          [0 1 | 2 4]   → [[2, 4],
        //                          [1 0 | 4 2]      [3, 4]]
        //                          [3 2 | 0 1]
        var pool = new MaxPooling(2, 2, stride: 2);
        NDArray x = NDArray.FromArray([1f, 2f, 3f, 0f, 0f, 1f, 2f, 4f, 1f, 0f, 4f, 2f, 3f, 2f, 0f, 1f], 1, 1, 4, 4);
        NDArray output = pool.Forward(x);
        Assert.That(output.Shape, Is.EqualTo(new[] { 1, 1, 2, 2 }));
        Assert.That(output.ToArray(), Is.EqualTo(new[] { 2f, 4f, 3f, 4f }));
        // Each dout goes to its window's argmax: (0, 1), (1, 3), (3, 0), (2, 2).
        NDArray dx = pool.Backward(NDArray.FromArray([10f, 20f, 30f, 40f], 1, 1, 2, 2));
        Assert.That(dx.ToArray(), Is.EqualTo(new[] { 0f, 10f, 0f, 0f, 0f, 0f, 0f, 20f, 0f, 0f, 40f, 0f, 30f, 0f, 0f, 0f }));
    }

    [Test]
    public void MaxPooling_Ties_GoToTheFirst_AndOverlapsAccumulate()
    {
        // One 3×3 image of 5s with a 9 in the middle; 2×2 windows with stride 1 all contain the 9: dx there is Σ dout.
        var pool = new MaxPooling(2, 2, stride: 1);
        NDArray x = NDArray.Full([1, 1, 3, 3], 5f);
        x[0, 0, 1, 1] = 9f;
        pool.Forward(x);
        Assert.That(pool.Backward(NDArray.FromArray([1f, 2f, 3f, 4f], 1, 1, 2, 2))[0, 0, 1, 1], Is.EqualTo(10f));
        // All equal: the first element of the window (np.argmax) takes the gradient.
        var ties = new MaxPooling(2, 2, stride: 2);
        ties.Forward(NDArray.Ones(1, 1, 2, 2));
        Assert.That(ties.Backward(NDArray.Ones(1, 1, 1, 1)).ToArray(), Is.EqualTo(new[] { 1f, 0f, 0f, 0f }));
    }

    [Test]
    public void MaxPooling_Padding_ReadsZeros_AsTheBook()
    {
        // All-negative input with pad 1: corner windows see padding zeros, whose max is 0 (the book's im2col padding).
        var pool = new MaxPooling(2, 2, stride: 2, pad: 1);
        NDArray output = pool.Forward(NDArray.Full([1, 1, 2, 2], -1f));
        Assert.That(output.ToArray(), Is.EqualTo(new[] { 0f, 0f, 0f, 0f }));
        Assert.That(pool.Backward(NDArray.Ones(1, 1, 2, 2)).ToArray(), Is.All.EqualTo(0f));
    }

    [TestCase(2, 2, 2, 0)]
    [TestCase(3, 3, 2, 1)]
    [TestCase(3, 2, 1, 1)]
    public void MaxPooling_MatchesTheBooksIm2ColPooling(int poolH, int poolW, int stride, int pad)
    {
        // The book's Pooling: col = im2col(x).reshape(−1, ph·pw); out = max(col, 1) as (N, OH, OW, C) → (N, C, OH, OW);
        // backward puts dout at argmax(col, 1) and folds back with col2im. Values are rounded to 0.5 so windows have ties
        // (+ 0f turns −0 into +0: NDArray.ArgMax, through TensorPrimitives.IndexOfMax, ranks +0 above −0 where np.argmax sees a tie).
        const int n = 2, c = 3, h = 6, w = 5;
        NDArray x = NDArray.FromArray(Randn(9, n, c, h, w).ToArray().Select(v => MathF.Round(v * 2f) / 2f + 0f).ToArray(), n, c, h, w);
        var pool = new MaxPooling(poolH, poolW, stride, pad);
        NDArray output = pool.Forward(x);
        int oh = (h + 2 * pad - poolH) / stride + 1, ow = (w + 2 * pad - poolW) / stride + 1;
        NDArray col = NDArray.Im2Col(x, poolH, poolW, stride, pad).Reshape(-1, poolH * poolW);
        NDArray expected = col.Max(axis: 1).Reshape(n, oh, ow, c).Transpose(0, 3, 1, 2);
        Assert.That(output.ToArray(), Is.EqualTo(expected.ToArray()));

        NDArray dout = Randn(10, n, c, oh, ow);
        float[] argMax = col.ArgMax(axis: 1).ToArray(), doutRows = dout.Transpose(0, 2, 3, 1).ToArray();
        var dcol = NDArray.Zeros(argMax.Length, poolH * poolW);
        for (int r = 0; r < argMax.Length; r++) dcol[r, (int)argMax[r]] = doutRows[r];
        NDArray expectedDx = NDArray.Col2Im(dcol.Reshape(n * oh * ow, c * poolH * poolW), [n, c, h, w], poolH, poolW, stride, pad);
        Assert.That(pool.Backward(dout).ToArray(), Is.EqualTo(expectedDx.ToArray()).Within(1e-6f));
    }

    [Test]
    public void AvgPooling_HandExample()
    {
        // windows of the MaxPooling example: (1+2+0+1)/4, (3+0+2+4)/4, (1+0+3+2)/4, (4+2+0+1)/4
        var pool = new AvgPooling(2, 2, stride: 2);
        NDArray x = NDArray.FromArray([1f, 2f, 3f, 0f, 0f, 1f, 2f, 4f, 1f, 0f, 4f, 2f, 3f, 2f, 0f, 1f], 1, 1, 4, 4);
        Assert.That(pool.Forward(x).ToArray(), Is.EqualTo(new[] { 1f, 2.25f, 1.5f, 1.75f }));
        Assert.That(pool.Backward(NDArray.Ones(1, 1, 2, 2)).ToArray(), Is.All.EqualTo(0.25f));
    }

    [TestCase(2, 1)]
    [TestCase(1, 0)]
    [TestCase(3, 2)]
    public void Convolution_Forward_MatchesDirectLoops(int stride, int pad)
    {
        const int n = 2, c = 3, h = 7, w = 6, fn = 4, fh = 3, fw = 2;
        NDArray x = Randn(6, n, c, h, w), weights = Randn(7, fn, c, fh, fw), bias = Randn(8, fn);
        NDArray output = new Convolution(weights, bias, stride, pad).Forward(x);
        int oh = (h + 2 * pad - fh) / stride + 1, ow = (w + 2 * pad - fw) / stride + 1;
        Assert.That(output.Shape, Is.EqualTo(new[] { n, fn, oh, ow }));
        Assert.That(output.IsContiguous, Is.True);
        for (int i = 0; i < n; i++)
            for (int f = 0; f < fn; f++)
                for (int y = 0; y < oh; y++)
                    for (int xo = 0; xo < ow; xo++)
                    {
                        double sum = bias[f];
                        for (int ch = 0; ch < c; ch++)
                            for (int ky = 0; ky < fh; ky++)
                                for (int kx = 0; kx < fw; kx++)
                                {
                                    int iy = y * stride - pad + ky, ix = xo * stride - pad + kx;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                        sum += (double)weights[f, ch, ky, kx] * x[i, ch, iy, ix];
                                }
                        Assert.That(output[i, f, y, xo], Is.EqualTo((float)sum).Within(1e-4f), $"[{i}, {f}, {y}, {xo}]");
                    }
    }

    [Test]
    public void Dropout_BookVsModern_TrainingAndTest()
    {
        const float p = 0.3f;
        NDArray x = NDArray.Full([100, 100], 2f);
        var book = new Dropout(p, Semantics.Book, new RandomState(1));
        var modern = new Dropout(p, Semantics.Modern, new RandomState(1));
        float[] bookTrain = book.Forward(x, training: true).ToArray(), modernTrain = modern.Forward(x, training: true).ToArray();
        Assert.Multiple(() =>
        {
            // Same seed, same mask; Book keeps x, Modern scales the kept elements by 1/(1 − p).
            Assert.That(bookTrain.Distinct().Order(), Is.EqualTo(new[] { 0f, 2f }));
            Assert.That(modernTrain.Distinct().Order(), Is.EqualTo(new[] { 0f, 2f / (1f - p) }));
            Assert.That(bookTrain.Select(v => v != 0), Is.EqualTo(modernTrain.Select(v => v != 0)));
            // Modern's training output keeps x's mean (2) on average; Book's is (1 − p)·2 = 1.4.
            Assert.That(modernTrain.Average(), Is.EqualTo(2f).Within(0.05f));
            Assert.That(bookTrain.Average(), Is.EqualTo(1.4f).Within(0.05f));
            // Test time: Book scales by (1 − p), Modern is the identity.
            Assert.That(book.Forward(x).ToArray(), Is.All.EqualTo(2f * (1f - p)).Within(1e-6f));
            Assert.That(modern.Forward(x).ToArray(), Is.All.EqualTo(2f));
        });
    }

    [Test]
    public void Dropout_Mask_MatchesNumPy()
    {
        // np.random.seed(0); np.random.rand(5) = [0.5488, 0.7152, 0.6028, 0.5449, 0.4237]; > 0.5 keeps the first four.
        var dropout = new Dropout(0.5f, Semantics.Book);                // default generator: RandomState(0)
        Assert.That(dropout.Forward(NDArray.Ones(5), training: true).ToArray(), Is.EqualTo(new[] { 1f, 1f, 1f, 1f, 0f }));
        // ratio 0.6 is compared as the double 0.6, as NumPy: 0.6028 and 0.7152 survive.
        var sixty = new Dropout(0.6f, Semantics.Book);
        Assert.That(sixty.Forward(NDArray.Ones(5), training: true).ToArray(), Is.EqualTo(new[] { 0f, 1f, 1f, 0f, 0f }));
    }

    [Test]
    public void GraphNodes_Forward_HandExamples()
    {
        // The book's apple example: 100 yen × 2 apples × 1.1 tax = 220; d(price)/d(apple) = 2.2, /d(count) = 110, /d(tax) = 200.
        var mulApple = new Mul();
        var mulTax = new Mul();
        NDArray apple = NDArray.Scalar(100f), count = NDArray.Scalar(2f), tax = NDArray.Scalar(1.1f);
        NDArray price = mulTax.Forward(mulApple.Forward(apple, count), tax);
        Assert.That(price.Item(), Is.EqualTo(220f).Within(1e-4f));
        var (dApplePrice, dTax) = mulTax.Backward(NDArray.Scalar(1f));
        var (dApple, dCount) = mulApple.Backward(dApplePrice);
        Assert.That(new[] { dApple.Item(), dCount.Item(), dTax.Item() }, Is.EqualTo(new[] { 2.2f, 110f, 200f }).Within(1e-4f));

        var add = new Add();
        Assert.That(add.Forward(NDArray.Ones(2, 3), NDArray.FromArray([1f, 2f, 3f])).ToArray(), Is.EqualTo(new[] { 2f, 3f, 4f, 2f, 3f, 4f }));
        var (dx, dy) = add.Backward(NDArray.Ones(2, 3));
        Assert.That(dx.ToArray(), Is.All.EqualTo(1f));
        Assert.That(dy.ToArray(), Is.EqualTo(new[] { 2f, 2f, 2f }));                // summed over the broadcast rows

        Assert.That(new Repeat(3).Forward(NDArray.FromArray([1f, 2f], 1, 2)).ToArray(), Is.EqualTo(new[] { 1f, 2f, 1f, 2f, 1f, 2f }));
        Assert.That(new Sum().Forward(NDArray.FromArray([1f, 2f, 3f, 4f], 2, 2)).ToArray(), Is.EqualTo(new[] { 4f, 6f }));
    }

    [Test]
    public void Losses_GoldenValues()
    {
        // SoftmaxWithLoss on scores [1, 2, 3], class 2: −log(0.6652) = 0.4076; dx = y − t = [0.0900, 0.2447, −0.3348]
        var softmax = new SoftmaxWithLoss();
        Assert.That(softmax.Forward(NDArray.FromArray([1f, 2f, 3f], 1, 3), NDArray.FromArray([2f])), Is.EqualTo(0.40760596f).Within(1e-5f));
        Assert.That(softmax.Y!.ToArray(), Is.EqualTo(new[] { 0.0900f, 0.2447f, 0.6652f }).Within(1e-4f));
        Assert.That(softmax.Backward().ToArray(), Is.EqualTo(new[] { 0.0900f, 0.2447f, -0.3348f }).Within(1e-4f));
        // MeanSquaredError averages over the batch: 0.5·(1² + 2² + 3² + 0²)/2 = 3.5, where Functions.MeanSquaredError gives 7.
        var mse = new Scratch.Nn.MeanSquaredError();
        NDArray y = NDArray.FromArray([1f, 2f, 3f, 0f], 2, 2), zeros = NDArray.Zeros(2, 2);
        Assert.That(mse.Forward(y, zeros), Is.EqualTo(3.5f));
        Assert.That(Functions.MeanSquaredError(y, zeros), Is.EqualTo(7f));
        Assert.That(mse.Backward(2f).ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 0f }));   // 2·(y − t)/N
        // SigmoidWithLoss: x = 0 → y = 0.5, L = −log(0.5) = 0.6931 whatever the label.
        var sigmoid = new SigmoidWithLoss();
        Assert.That(sigmoid.Forward(NDArray.Zeros(2), NDArray.FromArray([0f, 1f])), Is.EqualTo(0.6931470f).Within(1e-5f));
        Assert.That(sigmoid.Backward().ToArray(), Is.EqualTo(new[] { 0.25f, -0.25f }));
    }

    [Test]
    public void Forward_ReturnsTheLayersBuffer_ReusedWhileTheShapeRepeats()
    {
        var relu = new Relu();
        NDArray first = relu.Forward(Randn(1, 3, 4));
        NDArray second = relu.Forward(Randn(2, 3, 4));
        Assert.That(second, Is.SameAs(first), "same shape: the same buffer, overwritten");
        Assert.That(relu.Forward(Randn(3, 5, 4)), Is.Not.SameAs(first), "a new shape: a new buffer");
        Assert.That(relu.Infer(Randn(2, 3, 4)), Is.Not.SameAs(first), "Infer returns a new array");
    }

    [Test]
    public void FirstLayer_BackwardCalledDirectly_StillReturnsDx()
    {
        // Sequential skips the first layer's dx; a direct Backward must not.
        var network = new SimpleConvNet([1, 8, 8], filterNum: 2, filterSize: 3, hiddenSize: 4, weightInit: WeightInit.He);
        NDArray x = Randn(1, 2, 1, 8, 8);
        network.Gradient(x, NDArray.FromArray([1f, 2f]));
        var conv = (Convolution)network.Layers[0];
        conv.Forward(x, training: true);
        NDArray dx = conv.Backward(Randn(2, 2, 2, 6, 6));
        Assert.That(dx.Shape, Is.EqualTo(new[] { 2, 1, 8, 8 }));
        Assert.That(dx.ToArray().Any(v => v != 0), Is.True);
    }

    [Test]
    public void Sequential_FusedConvolutionRelu_MatchesLayerByLayer()
    {
        var network = new SimpleConvNet([1, 10, 10], filterNum: 3, filterSize: 3, hiddenSize: 5, weightInit: WeightInit.He);
        NDArray x = Randn(3, 4, 1, 10, 10);
        float[] fused = network.Predict(x, training: true).ToArray();     // ReLU applied in the convolution's store
        NDArray h = x;
        foreach (ILayer layer in network.Layers) h = layer.Forward(h, training: true);
        Assert.That(fused, Is.EqualTo(h.ToArray()));
        Assert.That(network.Predict(x).ToArray(), Is.EqualTo(fused), "Infer gives the same scores");
    }
}

