using System.Text.Json.Nodes;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>
/// The book's extended network: (Affine → [BatchNormalization] → activation → [Dropout]) × hidden layers → Affine → SoftmaxWithLoss,
/// with optional L2 weight decay.
/// </summary>
/// <remarks>
/// Batch norm starts at gamma = 1, beta = 0. Dropout follows the <c>semantics</c> argument (Book: scaled at test time;
/// Modern: inverted). Weights are drawn exactly as in <see cref="MultiLayerNet"/>.
/// </remarks>
public sealed class MultiLayerNetExtend : Sequential, IDescribedNetwork
{
    /// <summary>Builds the network; <c>weightInit</c> defaults to He for ReLU and Xavier otherwise.</summary>
    public MultiLayerNetExtend(int inputSize, int[] hiddenSizeList, int outputSize, Activation activation = Activation.Relu,
        WeightInit? weightInit = null, float weightDecayLambda = 0f, bool useDropout = false, float dropoutRatio = 0.5f,
        bool useBatchnorm = false, Semantics semantics = Semantics.Modern, uint seed = 0)
        : base(Build(inputSize, hiddenSizeList, outputSize, activation, weightInit ?? NetworkBuilder.DefaultInit(activation),
                useDropout, dropoutRatio, useBatchnorm, semantics, seed),
            new SoftmaxWithLoss(), weightDecayLambda)
    {
        Description = new(nameof(MultiLayerNetExtend), new JsonObject
        {
            [nameof(inputSize)] = inputSize,
            [nameof(hiddenSizeList)] = NetworkArguments.Encode(hiddenSizeList),
            [nameof(outputSize)] = outputSize,
            [nameof(activation)] = activation.ToString(),
            [nameof(weightInit)] = NetworkArguments.Encode(weightInit ?? NetworkBuilder.DefaultInit(activation)),
            [nameof(weightDecayLambda)] = weightDecayLambda,
            [nameof(useDropout)] = useDropout,
            [nameof(dropoutRatio)] = dropoutRatio,
            [nameof(useBatchnorm)] = useBatchnorm,
            [nameof(semantics)] = semantics.ToString(),
            [nameof(seed)] = seed,
        });
    }

    /// <inheritdoc/>
    public NetworkDescription Description { get; }

    internal static MultiLayerNetExtend FromArguments(NetworkArguments a) =>
        new(a.Int("inputSize"), a.Ints("hiddenSizeList"), a.Int("outputSize"), a.Enum<Activation>("activation"), a.Init("weightInit"),
            a.Float("weightDecayLambda"), a.Bool("useDropout"), a.Float("dropoutRatio"), a.Bool("useBatchnorm"), a.Enum<Semantics>("semantics"), a.UInt("seed"));

    /// <summary>The affine parameters of <see cref="MultiLayerNet"/>, plus gamma and beta for each hidden layer with batch norm.</summary>
    internal static long ParameterCount(NetworkArguments a)
    {
        int[] hidden = a.Ints("hiddenSizeList");
        long count = MultiLayerNet.AffineParameters([a.Int("inputSize"), .. hidden, a.Int("outputSize")]);
        return a.Bool("useBatchnorm") ? checked(count + 2 * hidden.Sum(h => (long)h)) : count;
    }

    private static IEnumerable<ILayer> Build(int inputSize, int[] hidden, int outputSize, Activation activation, WeightInit init,
        bool useDropout, float dropoutRatio, bool useBatchnorm, Semantics semantics, uint seed)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        int[] sizes = [inputSize, .. hidden, outputSize];
        Sizes.CheckPositive(nameof(MultiLayerNetExtend), sizes.Select((s, i) => ($"size[{i}]", s)).ToArray());
        if (useDropout) Sizes.CheckRatio(nameof(MultiLayerNetExtend), nameof(dropoutRatio), dropoutRatio);
        var builder = new NetworkBuilder(seed);
        var layers = new List<ILayer>();
        for (int k = 1; k < sizes.Length; k++)
        {
            layers.Add(new Affine(builder.Weights(init, sizes[k - 1], sizes[k]), NDArray.Zeros(sizes[k])));
            if (k == sizes.Length - 1) break;
            if (useBatchnorm)
                layers.Add(new BatchNormalization(NDArray.Ones(sizes[k]), NDArray.Zeros(sizes[k])));
            layers.Add(NetworkBuilder.ActivationLayer(activation));
            if (useDropout)
                layers.Add(builder.Dropout(dropoutRatio, semantics));
        }
        return layers;
    }
}
