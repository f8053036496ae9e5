using Scratch.Data;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Bench.Runs;

/// <summary>A trained network loaded back from a run directory or a checkpoint file, with how it was built.</summary>
internal sealed record SavedModel(Sequential Network, NetworkSpec Spec, string CheckpointPath)
{
    /// <summary>
    /// Loads <paramref name="checkpoint"/>: a run directory (its <c>metrics.json</c> says how to build the network and names
    /// the checkpoint), or a checkpoint file, built from the <c>metrics.json</c> beside it, from <paramref name="network"/>, or else from the
    /// <c>.safetensors</c> file's own metadata.
    /// </summary>
    /// <exception cref="UsageException">The file is missing, or nothing says which network it holds.</exception>
    public static SavedModel Load(string checkpoint, string? network)
    {
        string? directory = Directory.Exists(checkpoint) ? checkpoint : Path.GetDirectoryName(Path.GetFullPath(checkpoint));
        bool hasMetrics = directory is not null && File.Exists(Path.Combine(directory, "metrics.json"));
        RunMetrics? metrics = hasMetrics ? RunMetrics.Load(directory!) : null;
        string file = Directory.Exists(checkpoint)
            ? Path.Combine(checkpoint, metrics?.Checkpoint ?? throw new UsageException($"--checkpoint: {checkpoint} is a directory without metrics.json."))
            : checkpoint;
        if (!File.Exists(file)) throw new UsageException($"--checkpoint: file '{file}' does not exist.");
        if (network is null && metrics is null)
        {
            if (!file.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"--checkpoint: no metrics.json beside {file} to say which network it holds; add --network NAME (or use a .safetensors checkpoint).");
            Sequential rebuilt = Checkpoint.Load(file);   // the file's metadata names the network and its arguments
            return new SavedModel(rebuilt, SpecOf(rebuilt), file);
        }
        NetworkSpec spec;
        if (network is not null)
        {
            if (!NetworkSpec.Names.Contains(network))
                throw new UsageException($"--network: unknown network '{network}'; expected {string.Join(", ", NetworkSpec.Names)}.");
            spec = metrics?.Spec is { } saved && saved.Network == network
                ? saved
                : new NetworkSpec(network, NetworkSpec.Flat(network) ? [784] : [1, 28, 28], Mnist.Classes, null, null, false, 0f, "he", Semantics.Modern, 0);
        }
        else
        {
            spec = metrics!.Spec;
        }
        Sequential net = spec.Build();
        Checkpoint.Load(file, net);
        return new SavedModel(net, spec, file);
    }

    /// <summary>What a network rebuilt from its file takes: flat input for the MLPs (its first Affine's rows), else (C, 28, 28) images.</summary>
    private static NetworkSpec SpecOf(Sequential network)
    {
        string name = network switch
        {
            SimpleConvNet => "simpleconv",
            DeepConvNet => "deepconv",
            TwoLayerNet => "twolayer",
            _ => "mlp",
        };
        int[] input = network.Layers[0] is Affine affine ? [affine.W.Value.Dim(0)] : [network.Parameters[0].Value.Dim(1), 28, 28];
        int classes = network.Parameters[^1].Value.Dim(0);   // the last bias
        return new NetworkSpec(name, input, classes, null, null, false, 0f, "he", Semantics.Modern, 0);
    }

    /// <summary>The test set in the shape the network takes (flattened for the MLPs).</summary>
    public (NDArray X, NDArray T) TestSet(string? dataDir)
    {
        if (dataDir is not null && !Directory.Exists(dataDir)) throw new UsageException($"--data-dir: directory '{dataDir}' does not exist.");
        bool flat = NetworkSpec.Flat(Spec.Network);
        var (_, test) = dataDir is null ? Mnist.LoadEmbedded(normalize: true, flatten: flat) : Mnist.Load(dataDir, normalize: true, flatten: flat);
        return test;
    }
}
