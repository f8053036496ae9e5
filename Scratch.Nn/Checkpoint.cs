using System.IO.Compression;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Saves and restores a network's parameters and batch-norm running statistics as a NumPy <c>.npz</c> archive.</summary>
/// <remarks>
/// The archive holds one <c>.npy</c> per array under the book's keys (<c>W1.npy</c>, <c>b1.npy</c>, <c>gamma1.npy</c>, …) plus
/// <c>RunningMean{k}</c> and <c>RunningVar{k}</c> for the k-th batch-norm layer, so <c>np.load(path)["W1"]</c> reads it in Python.
/// Saving writes a temporary file and then moves it, so a failure never leaves a half-written checkpoint.
/// </remarks>
public static class Checkpoint
{
    /// <summary>Writes every parameter and running statistic of <paramref name="network"/> to <paramref name="path"/>.</summary>
    public static void Save(string path, Sequential network)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(network);
        string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var archive = ZipFile.Open(temp, ZipArchiveMode.Create))
                foreach (var (key, array) in Arrays(network))
                {
                    using Stream entry = archive.CreateEntry(key + ".npy", CompressionLevel.Fastest).Open();
                    Npy.Save(entry, array);
                }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Copies the arrays saved in <paramref name="path"/> into <paramref name="network"/>, which must have the same architecture.</summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is corrupt, or lacks an array or holds one of another shape; the network is then left unchanged.</exception>
    public static void Load(string path, Sequential network)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(network);
        string name = Path.GetFileName(path);
        var loaded = new List<(NDArray Target, NDArray Value)>();
        using ZipArchive archive = Read(name, () => ZipFile.OpenRead(path));
        foreach (var (key, target) in Arrays(network))
        {
            ZipArchiveEntry entry = archive.GetEntry(key + ".npy")
                ?? throw new InvalidDataException($"Checkpoint.Load: {name} has no array '{key}'.");
            NDArray value = Read(name, () =>
            {
                using Stream stream = entry.Open();
                return Npy.Load(stream, $"{name}/{key}.npy");
            });
            if (!value.Shape.SequenceEqual(target.Shape))
                throw new InvalidDataException($"Checkpoint.Load: {name}: '{key}' has shape {Shape.Format(value.Shape)}, the network expects {Shape.Format(target.Shape)}.");
            loaded.Add((target, value));
        }
        foreach (var (target, value) in loaded)   // all arrays read and checked: only now change the network
            target.CopyFrom(value);
    }

    /// <summary>Runs a read of the archive, turning the zip library's errors (a truncated or corrupt file) into one naming the checkpoint.</summary>
    private static T Read<T>(string name, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidDataException or IOException && e is not FileNotFoundException and not DirectoryNotFoundException
                                  && !e.Message.StartsWith("Npy.Load", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Checkpoint.Load: {name} is not a readable checkpoint: {e.Message}", e);
        }
    }

    /// <summary>The arrays a checkpoint holds, by key: the parameters, then each batch norm's running statistics.</summary>
    private static IEnumerable<(string Key, NDArray Array)> Arrays(Sequential network)
    {
        foreach (var (key, parameter) in network.Params)
            yield return (key, parameter.Value);
        int k = 0;
        foreach (IRunningStatistics bn in network.Layers.OfType<IRunningStatistics>())
        {
            k++;
            bn.RunningMean ??= NDArray.ZerosLike(bn.Gamma.Value);   // before the first Forward: the zeros the layer starts from
            bn.RunningVar ??= NDArray.ZerosLike(bn.Gamma.Value);
            yield return ($"RunningMean{k}", bn.RunningMean);
            yield return ($"RunningVar{k}", bn.RunningVar);
        }
    }
}
