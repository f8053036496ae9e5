using System.Text.Json.Nodes;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>The book's fully connected network: (Affine → activation) × hidden layers → Affine → SoftmaxWithLoss, with optional L2 weight decay.</summary>
/// <remarks>
/// Sizes [input, hidden…, output]; W_k = scale·randn(size_{k−1}, size_k) with scale from <c>weightInit</c>
/// (the book's <c>weight_init_std</c>: 'relu'/'he' → He, 'sigmoid'/'xavier' → Xavier, or a number).
/// </remarks>
public sealed class MultiLayerNet : Sequential, IDescribedNetwork
{
    /// <summary>Builds the network; <c>weightInit</c> defaults to He for ReLU and Xavier otherwise.</summary>
    public MultiLayerNet(int inputSize, int[] hiddenSizeList, int outputSize, Activation activation = Activation.Relu,
        WeightInit? weightInit = null, float weightDecayLambda = 0f, uint seed = 0)
        : base(Build(inputSize, hiddenSizeList, outputSize, activation, weightInit ?? NetworkBuilder.DefaultInit(activation), seed),
            new SoftmaxWithLoss(), weightDecayLambda)
    {
        Description = new(nameof(MultiLayerNet), new JsonObject
        {
            [nameof(inputSize)] = inputSize,
            [nameof(hiddenSizeList)] = NetworkArguments.Encode(hiddenSizeList),
            [nameof(outputSize)] = outputSize,
            [nameof(activation)] = activation.ToString(),
            [nameof(weightInit)] = NetworkArguments.Encode(weightInit ?? NetworkBuilder.DefaultInit(activation)),
            [nameof(weightDecayLambda)] = weightDecayLambda,
            [nameof(seed)] = seed,
        });
    }

    /// <inheritdoc/>
    public NetworkDescription Description { get; }

    internal static MultiLayerNet FromArguments(NetworkArguments a) =>
        new(a.Int("inputSize"), a.Ints("hiddenSizeList"), a.Int("outputSize"), a.Enum<Activation>("activation"), a.Init("weightInit"),
            a.Float("weightDecayLambda"), a.UInt("seed"));

    /// <summary>W_k and b_k for each pair of consecutive sizes: Σ s_{k−1}·s_k + s_k.</summary>
    internal static long ParameterCount(NetworkArguments a) => AffineParameters([a.Int("inputSize"), .. a.Ints("hiddenSizeList"), a.Int("outputSize")]);

    /// <summary>Σ s_{k−1}·s_k + s_k over consecutive sizes.</summary>
    internal static long AffineParameters(int[] sizes)
    {
        long count = 0;
        for (int k = 1; k < sizes.Length; k++)
            count = checked(count + (long)sizes[k - 1] * sizes[k] + sizes[k]);
        return count;
    }

    private static IEnumerable<ILayer> Build(int inputSize, int[] hidden, int outputSize, Activation activation, WeightInit init, uint seed)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        int[] sizes = [inputSize, .. hidden, outputSize];
        Sizes.CheckPositive(nameof(MultiLayerNet), sizes.Select((s, i) => ($"size[{i}]", s)).ToArray());
        var builder = new NetworkBuilder(seed);
        var layers = new List<ILayer>();
        for (int k = 1; k < sizes.Length; k++)
        {
            layers.Add(new Affine(builder.Weights(init, sizes[k - 1], sizes[k]), NDArray.Zeros(sizes[k])));
            if (k < sizes.Length - 1)
                layers.Add(NetworkBuilder.ActivationLayer(activation));
        }
        return layers;
    }
}
