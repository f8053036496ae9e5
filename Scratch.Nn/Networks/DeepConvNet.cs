using System.Text.Json.Nodes;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>
/// The book's ch08 network: (conv 3×3 → ReLU → conv 3×3 → ReLU → pool 2×2) × 3 with 16, 32 and 64 filters,
/// then Affine → ReLU → Dropout 0.5 → Affine → Dropout 0.5 → SoftmaxWithLoss.
/// </summary>
/// <remarks>
/// For (N, 1, 28, 28): 28 → 28 → pool 14 → 14 → 16 (the 4th conv pads by 2) → pool 8 → 8 → 8 → pool 4, so the first
/// Affine has 64·4·4 = 1024 inputs. He initialization: σ_k = √(2 / fan-in of layer k). Dropout follows
/// the <c>semantics</c> argument.
/// </remarks>
public sealed class DeepConvNet : Sequential, IDescribedNetwork
{
    private static readonly (int Filters, int Pad)[] Convs = [(16, 1), (16, 1), (32, 1), (32, 2), (64, 1), (64, 1)];

    /// <summary>Builds the network for inputs of shape (N, <paramref name="inputDim"/>…), default (1, 28, 28).</summary>
    public DeepConvNet(int[]? inputDim = null, int hiddenSize = 50, int outputSize = 10, float dropoutRatio = 0.5f,
        Semantics semantics = Semantics.Modern, uint seed = 0)
        : base(Build(inputDim ?? [1, 28, 28], hiddenSize, outputSize, dropoutRatio, semantics, seed), new SoftmaxWithLoss())
    {
        Description = new(nameof(DeepConvNet), new JsonObject
        {
            [nameof(inputDim)] = NetworkArguments.Encode(inputDim ?? [1, 28, 28]),
            [nameof(hiddenSize)] = hiddenSize,
            [nameof(outputSize)] = outputSize,
            [nameof(dropoutRatio)] = dropoutRatio,
            [nameof(semantics)] = semantics.ToString(),
            [nameof(seed)] = seed,
        });
    }

    /// <inheritdoc/>
    public NetworkDescription Description { get; }

    internal static DeepConvNet FromArguments(NetworkArguments a) =>
        new(a.Ints("inputDim"), a.Int("hiddenSize"), a.Int("outputSize"), a.Float("dropoutRatio"), a.Enum<Semantics>("semantics"), a.UInt("seed"));

    /// <summary>Each convolution's W (FN, C, 3, 3) and b (FN), then the two Affine layers' W and b.</summary>
    internal static long ParameterCount(NetworkArguments a)
    {
        int[] inputDim = a.Ints("inputDim");
        long hiddenSize = a.Int("hiddenSize"), outputSize = a.Int("outputSize");
        long flat = FlattenedSize(inputDim), count = 0;
        int channels = inputDim[0];
        foreach (var (filters, _) in Convs)
        {
            count = checked(count + (long)filters * channels * 3 * 3 + filters);
            channels = filters;
        }
        return checked(count + flat * hiddenSize + hiddenSize + hiddenSize * outputSize + outputSize);
    }

    private static IEnumerable<ILayer> Build(int[] inputDim, int hiddenSize, int outputSize, float dropoutRatio, Semantics semantics, uint seed)
    {
        int flat = FlattenedSize(inputDim);
        Sizes.CheckPositive(nameof(DeepConvNet), (nameof(hiddenSize), hiddenSize), (nameof(outputSize), outputSize));
        Sizes.CheckRatio(nameof(DeepConvNet), nameof(dropoutRatio), dropoutRatio);
        var builder = new NetworkBuilder(seed);
        var layers = new List<ILayer>();
        int channels = inputDim[0];
        for (int k = 0; k < Convs.Length; k++)
        {
            var (filters, pad) = Convs[k];
            var weights = builder.Weights(WeightInit.He, filters, channels, 3, 3);
            layers.Add(new Convolution(weights, NDArray.Zeros(filters), stride: 1, pad: pad));
            layers.Add(new Relu());
            channels = filters;
            if (k % 2 == 1)
                layers.Add(new MaxPooling(2, 2, stride: 2));
        }
        layers.Add(new Affine(builder.Weights(WeightInit.He, flat, hiddenSize), NDArray.Zeros(hiddenSize)));
        layers.Add(new Relu());
        layers.Add(builder.Dropout(dropoutRatio, semantics));
        layers.Add(new Affine(builder.Weights(WeightInit.He, hiddenSize, outputSize), NDArray.Zeros(outputSize)));
        layers.Add(builder.Dropout(dropoutRatio, semantics));
        return layers;
    }

    /// <summary>The first Affine's input size: 64·h·w after the three conv-conv-pool blocks (3×3 convs keep the size with pad 1, grow it by 2 with pad 2; pools halve it).</summary>
    private static int FlattenedSize(int[] inputDim)
    {
        ArgumentNullException.ThrowIfNull(inputDim);
        if (inputDim.Length != 3)
            throw new ArgumentException($"DeepConvNet: inputDim must be (C, H, W), got {Shapes.Format(inputDim)}.", nameof(inputDim));
        Sizes.CheckPositive(nameof(DeepConvNet), ("C", inputDim[0]), ("H", inputDim[1]), ("W", inputDim[2]));
        long h = inputDim[1], w = inputDim[2];
        for (int k = 0; k < Convs.Length; k++)
        {
            h += 2 * Convs[k].Pad - 2;
            w += 2 * Convs[k].Pad - 2;
            if (k % 2 == 1)
            {
                h /= 2;
                w /= 2;
            }
            if (h < 1 || w < 1)
                throw new ArgumentException($"DeepConvNet: input {Shapes.Format(inputDim)} is too small for three conv-conv-pool blocks.", nameof(inputDim));
        }
        return checked((int)(Convs[^1].Filters * h * w));
    }
}
