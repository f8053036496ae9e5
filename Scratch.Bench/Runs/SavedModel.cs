using Scratch.Data;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Bench.Runs;

/// <summary>A trained network loaded back from a run directory or a checkpoint file, with how it was built.</summary>
internal sealed record SavedModel(Sequential Network, NetworkSpec Spec, string CheckpointPath)
{
    /// <summary>
    /// Loads <paramref name="checkpoint"/>: a run directory (its <c>metrics.json</c> says how to build the network and names
    /// the checkpoint), or a checkpoint file, built from the <c>metrics.json</c> beside it or else from <paramref name="network"/>.
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
            spec = metrics?.Spec ?? throw new UsageException($"--checkpoint: no metrics.json beside {file} to say which network it holds; add --network NAME.");
        }
        Sequential net = spec.Build();
        Checkpoint.Load(file, net);
        return new SavedModel(net, spec, file);
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
