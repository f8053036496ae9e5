using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>The book's ch07 network: Convolution → ReLU → MaxPooling 2×2 → Affine → ReLU → Affine → SoftmaxWithLoss.</summary>
/// <remarks>
/// x: (N, C, H, W), default (N, 1, 28, 28). Conv: filterNum filters of filterSize², then a 2×2 pool with stride 2,
/// so the first Affine has filterNum·(OH/2)·(OW/2) inputs (4320 for MNIST). The book draws every weight with
/// σ = 0.01 (<c>weight_init_std</c>); <see cref="WeightInit.He"/> uses √(2/fanIn) per layer and converges much faster.
/// With <c>useBatchnorm</c> a batch norm follows the convolution: the book's per-feature <see cref="BatchNormalization"/>
/// under <see cref="Semantics.Book"/>, the per-channel <see cref="BatchNormalization2d"/> under <see cref="Semantics.Modern"/>.
/// </remarks>
public sealed class SimpleConvNet : Sequential
{
    /// <summary>Builds the network for inputs of shape (N, <paramref name="inputDim"/>…).</summary>
    public SimpleConvNet(int[]? inputDim = null, int filterNum = 30, int filterSize = 5, int pad = 0, int stride = 1,
        int hiddenSize = 100, int outputSize = 10, WeightInit? weightInit = null, bool useBatchnorm = false,
        Semantics semantics = Semantics.Modern, uint seed = 0)
        : base(Build(inputDim ?? [1, 28, 28], filterNum, filterSize, pad, stride, hiddenSize, outputSize,
            weightInit ?? WeightInit.Std(0.01), useBatchnorm, semantics, seed), new SoftmaxWithLoss())
    {
    }

    private static IEnumerable<ILayer> Build(int[] inputDim, int filterNum, int filterSize, int pad, int stride,
        int hiddenSize, int outputSize, WeightInit init, bool useBatchnorm, Semantics semantics, uint seed)
    {
        if (inputDim.Length != 3)
            throw new ArgumentException($"SimpleConvNet: inputDim must be (C, H, W), got {Shape.Format(inputDim)}.", nameof(inputDim));
        Sizes.CheckPositive(nameof(SimpleConvNet), ("C", inputDim[0]), ("H", inputDim[1]), ("W", inputDim[2]), (nameof(filterNum), filterNum),
            (nameof(filterSize), filterSize), (nameof(stride), stride), (nameof(hiddenSize), hiddenSize), (nameof(outputSize), outputSize));
        int c = inputDim[0];
        int convH = (inputDim[1] + 2 * pad - filterSize) / stride + 1, convW = (inputDim[2] + 2 * pad - filterSize) / stride + 1;
        if (convH < 2 || convW < 2)
            throw new ArgumentException($"SimpleConvNet: a {filterSize}×{filterSize} filter with pad {pad}, stride {stride} leaves a {convH}×{convW} map of input {Shape.Format(inputDim)}; the 2×2 pool needs at least 2×2.");
        int poolOutputSize = filterNum * (convH / 2) * (convW / 2);

        var builder = new NetworkBuilder(seed);
        var w1 = builder.Weights(init, filterNum, c, filterSize, filterSize);
        var w2 = builder.Weights(init, poolOutputSize, hiddenSize);
        var w3 = builder.Weights(init, hiddenSize, outputSize);
        var layers = new List<ILayer> { new Convolution(w1, NDArray.Zeros(filterNum), stride, pad) };
        if (useBatchnorm)
            layers.Add(semantics == Semantics.Book
                ? new BatchNormalization(NDArray.Ones(filterNum * convH * convW), NDArray.Zeros(filterNum * convH * convW))
                : new BatchNormalization2d(NDArray.Ones(filterNum), NDArray.Zeros(filterNum)));
        layers.AddRange(
        [
            new Relu(),
            new MaxPooling(2, 2, stride: 2),
            new Affine(w2, NDArray.Zeros(hiddenSize)),
            new Relu(),
            new Affine(w3, NDArray.Zeros(outputSize)),
        ]);
        return layers;
    }
}
