using Scratch.Nn;

namespace Scratch.Bench.Runs;

/// <summary>Everything needed to build one of the book's networks again: saved in <c>metrics.json</c>, read by <c>evaluate</c> and <c>predict</c>.</summary>
/// <param name="Network">simpleconv, deepconv, mlp or twolayer.</param>
/// <param name="InputShape">One sample's shape: (1, 28, 28) for the convolutional networks, (784) for the MLPs.</param>
/// <param name="Classes">Number of output classes.</param>
/// <param name="Hidden">Hidden layer sizes (null: the network's default).</param>
/// <param name="Dropout">Dropout ratio (0: none; null: the network's default).</param>
/// <param name="BatchNorm">Whether batch normalization layers are inserted.</param>
/// <param name="WeightDecay">λ of the L2 weight decay.</param>
/// <param name="Init">he, xavier or a σ.</param>
/// <param name="Semantics">Book or Modern.</param>
/// <param name="Seed">Seed of the initial weights.</param>
internal sealed record NetworkSpec(string Network, int[] InputShape, int Classes, int[]? Hidden, float? Dropout, bool BatchNorm,
    float WeightDecay, string Init, Semantics Semantics, uint Seed)
{
    public static readonly string[] Names = ["simpleconv", "deepconv", "mlp", "twolayer"];

    /// <summary>Whether the network takes flattened (N, 784) input rather than images (N, 1, 28, 28).</summary>
    public static bool Flat(string network) => network is "mlp" or "twolayer";

    /// <summary>A new network with freshly initialized weights.</summary>
    /// <exception cref="ArgumentException">An option the network does not support (the message names it).</exception>
    public Sequential Build()
    {
        if (Dropout > 0 && Network is "simpleconv" or "twolayer")
            throw new ArgumentException($"--dropout: {Network} has no dropout layer; use mlp or deepconv.");
        if (BatchNorm && Network is "deepconv" or "twolayer")
            throw new ArgumentException($"--batch-norm: {Network} has no batch-norm option; use mlp or simpleconv.");
        WeightInit init = WeightInit.Parse(Init);
        Sequential network = Network switch
        {
            "simpleconv" => new SimpleConvNet(InputShape, hiddenSize: Single("simpleconv", 100), outputSize: Classes, weightInit: init,
                useBatchnorm: BatchNorm, semantics: Semantics, seed: Seed),
            "deepconv" => new DeepConvNet(InputShape, hiddenSize: Single("deepconv", 50), outputSize: Classes, dropoutRatio: Dropout ?? 0.5f,
                semantics: Semantics, seed: Seed),
            "mlp" => new MultiLayerNetExtend(InputShape[0], Hidden ?? [100, 100, 100, 100], Classes, weightInit: init,
                weightDecayLambda: WeightDecay, useDropout: Dropout > 0, dropoutRatio: Dropout ?? 0f, useBatchnorm: BatchNorm,
                semantics: Semantics, seed: Seed),
            "twolayer" => new TwoLayerNet(InputShape[0], Single("twolayer", 50), Classes, seed: Seed),
            _ => throw new ArgumentException($"--network: unknown network '{Network}'; expected {string.Join(", ", Names)}."),
        };
        if (WeightDecay > 0 && Network != "mlp")   // the other networks take λ through a Sequential over the same layers
            network = new Sequential(network.Layers, network.LastLayer, WeightDecay);
        return network;
    }

    private int Single(string network, int fallback) => Hidden switch
    {
        null => fallback,
        [int size] => size,
        _ => throw new ArgumentException($"--hidden: {network} has one hidden layer; give one size, got {string.Join(",", Hidden)}."),
    };
}
