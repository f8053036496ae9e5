using System.Text.Json.Nodes;

namespace Scratch.Nn;

/// <summary>The book's two-layer network: Affine → activation → Affine → SoftmaxWithLoss.</summary>
/// <remarks>
/// W1 = weightInitStd·randn(inputSize, hiddenSize), W2 = weightInitStd·randn(hiddenSize, outputSize), zero biases
/// (ch05's <c>TwoLayerNet</c> uses ReLU; the sequel's spiral network uses sigmoid).
/// </remarks>
public sealed class TwoLayerNet : Sequential, IDescribedNetwork
{
    /// <summary>Builds the network with weights drawn from a RandomState seeded with <paramref name="seed"/>.</summary>
    public TwoLayerNet(int inputSize, int hiddenSize, int outputSize, double weightInitStd = 0.01,
        Activation activation = Activation.Relu, uint seed = 0)
        : base(Build(inputSize, hiddenSize, outputSize, weightInitStd, activation, seed), new SoftmaxWithLoss())
    {
        Description = new(nameof(TwoLayerNet), new JsonObject
        {
            [nameof(inputSize)] = inputSize,
            [nameof(hiddenSize)] = hiddenSize,
            [nameof(outputSize)] = outputSize,
            [nameof(weightInitStd)] = weightInitStd,
            [nameof(activation)] = activation.ToString(),
            [nameof(seed)] = seed,
        });
    }

    /// <inheritdoc/>
    public NetworkDescription Description { get; }

    internal static TwoLayerNet FromArguments(NetworkArguments a) =>
        new(a.Int("inputSize"), a.Int("hiddenSize"), a.Int("outputSize"), a.Double("weightInitStd"), a.Enum<Activation>("activation"), a.UInt("seed"));

    /// <summary>W1, b1, W2, b2: D·H + H + H·M + M.</summary>
    internal static long ParameterCount(NetworkArguments a)
    {
        long d = a.Int("inputSize"), h = a.Int("hiddenSize"), m = a.Int("outputSize");
        return checked(d * h + h + h * m + m);
    }

    private static IEnumerable<ILayer> Build(int inputSize, int hiddenSize, int outputSize, double std, Activation activation, uint seed)
    {
        Sizes.CheckPositive(nameof(TwoLayerNet), (nameof(inputSize), inputSize), (nameof(hiddenSize), hiddenSize), (nameof(outputSize), outputSize));
        var builder = new NetworkBuilder(seed);
        var w1 = builder.Weights(WeightInit.Std(std), inputSize, hiddenSize);
        var w2 = builder.Weights(WeightInit.Std(std), hiddenSize, outputSize);
        return
        [
            new Affine(w1, Tensors.NDArray.Zeros(hiddenSize)),
            NetworkBuilder.ActivationLayer(activation),
            new Affine(w2, Tensors.NDArray.Zeros(outputSize)),
        ];
    }
}
