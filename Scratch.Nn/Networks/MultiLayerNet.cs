using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>The book's fully connected network: (Affine → activation) × hidden layers → Affine → SoftmaxWithLoss, with optional L2 weight decay.</summary>
/// <remarks>
/// Sizes [input, hidden…, output]; W_k = scale·randn(size_{k−1}, size_k) with scale from <c>weightInit</c>
/// (the book's <c>weight_init_std</c>: 'relu'/'he' → He, 'sigmoid'/'xavier' → Xavier, or a number).
/// </remarks>
public sealed class MultiLayerNet : Sequential
{
    /// <summary>Builds the network; <c>weightInit</c> defaults to He for ReLU and Xavier otherwise.</summary>
    public MultiLayerNet(int inputSize, int[] hiddenSizeList, int outputSize, Activation activation = Activation.Relu,
        WeightInit? weightInit = null, float weightDecayLambda = 0f, uint seed = 0)
        : base(Build(inputSize, hiddenSizeList, outputSize, activation, weightInit ?? NetworkBuilder.DefaultInit(activation), seed),
            new SoftmaxWithLoss(), weightDecayLambda)
    {
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
