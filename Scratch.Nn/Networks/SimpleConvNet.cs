using System.Text.Json.Nodes;
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
public sealed class SimpleConvNet : Sequential, IDescribedNetwork
{
    /// <summary>Builds the network for inputs of shape (N, <paramref name="inputDim"/>…).</summary>
    public SimpleConvNet(int[]? inputDim = null, int filterNum = 30, int filterSize = 5, int pad = 0, int stride = 1,
        int hiddenSize = 100, int outputSize = 10, WeightInit? weightInit = null, bool useBatchnorm = false,
        Semantics semantics = Semantics.Modern, uint seed = 0)
        : base(Build(inputDim ?? [1, 28, 28], filterNum, filterSize, pad, stride, hiddenSize, outputSize,
            weightInit ?? WeightInit.Std(0.01), useBatchnorm, semantics, seed), new SoftmaxWithLoss())
    {
        Description = new(nameof(SimpleConvNet), new JsonObject
        {
            [nameof(inputDim)] = NetworkArguments.Encode(inputDim ?? [1, 28, 28]),
            [nameof(filterNum)] = filterNum,
            [nameof(filterSize)] = filterSize,
            [nameof(pad)] = pad,
            [nameof(stride)] = stride,
            [nameof(hiddenSize)] = hiddenSize,
            [nameof(outputSize)] = outputSize,
            [nameof(weightInit)] = NetworkArguments.Encode(weightInit ?? WeightInit.Std(0.01)),
            [nameof(useBatchnorm)] = useBatchnorm,
            [nameof(semantics)] = semantics.ToString(),
            [nameof(seed)] = seed,
        });
    }

    /// <inheritdoc/>
    public NetworkDescription Description { get; }

    internal static SimpleConvNet FromArguments(NetworkArguments a) =>
        new(a.Ints("inputDim"), a.Int("filterNum"), a.Int("filterSize"), a.Int("pad"), a.Int("stride"), a.Int("hiddenSize"), a.Int("outputSize"),
            a.Init("weightInit"), a.Bool("useBatchnorm"), a.Enum<Semantics>("semantics"), a.UInt("seed"));

    /// <summary>Conv W, b; batch norm's gamma and beta (per feature or per channel); the two Affine layers' W and b.</summary>
    internal static long ParameterCount(NetworkArguments a)
    {
        int[] inputDim = a.Ints("inputDim");
        int filterNum = a.Int("filterNum"), filterSize = a.Int("filterSize"), hiddenSize = a.Int("hiddenSize"), outputSize = a.Int("outputSize");
        var (convH, convW) = ConvOutput(inputDim, filterNum, filterSize, a.Int("pad"), a.Int("stride"));
        long batchNorm = !a.Bool("useBatchnorm") ? 0
            : a.Enum<Semantics>("semantics") == Semantics.Book ? 2L * filterNum * convH * convW : 2L * filterNum;
        long pooled = (long)filterNum * (convH / 2) * (convW / 2);
        return checked((long)filterNum * inputDim[0] * filterSize * filterSize + filterNum + batchNorm
                       + pooled * hiddenSize + hiddenSize + (long)hiddenSize * outputSize + outputSize);
    }

    private static IEnumerable<ILayer> Build(int[] inputDim, int filterNum, int filterSize, int pad, int stride,
        int hiddenSize, int outputSize, WeightInit init, bool useBatchnorm, Semantics semantics, uint seed)
    {
        Sizes.CheckPositive(nameof(SimpleConvNet), (nameof(hiddenSize), hiddenSize), (nameof(outputSize), outputSize));
        var (convH, convW) = ConvOutput(inputDim, filterNum, filterSize, pad, stride);
        int c = inputDim[0];
        int poolOutputSize = checked(filterNum * (convH / 2) * (convW / 2));

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

    /// <summary>The convolution's output size (OH, OW) = ((H + 2·pad − FH)/stride + 1, …), checked to leave room for the 2×2 pool.</summary>
    private static (int ConvH, int ConvW) ConvOutput(int[] inputDim, int filterNum, int filterSize, int pad, int stride)
    {
        ArgumentNullException.ThrowIfNull(inputDim);
        if (inputDim.Length != 3)
            throw new ArgumentException($"SimpleConvNet: inputDim must be (C, H, W), got {Shapes.Format(inputDim)}.", nameof(inputDim));
        Sizes.CheckPositive(nameof(SimpleConvNet), ("C", inputDim[0]), ("H", inputDim[1]), ("W", inputDim[2]), (nameof(filterNum), filterNum),
            (nameof(filterSize), filterSize), (nameof(stride), stride));
        if (pad < 0)
            throw new ArgumentOutOfRangeException(nameof(pad), pad, $"SimpleConvNet: pad must be ≥ 0, got {pad}.");
        long convH = ((long)inputDim[1] + 2L * pad - filterSize) / stride + 1, convW = ((long)inputDim[2] + 2L * pad - filterSize) / stride + 1;
        if (convH < 2 || convW < 2)
            throw new ArgumentException($"SimpleConvNet: a {filterSize}×{filterSize} filter with pad {pad}, stride {stride} leaves a {convH}×{convW} map of input {Shapes.Format(inputDim)}; the 2×2 pool needs at least 2×2.");
        return (checked((int)convH), checked((int)convW));
    }
}
