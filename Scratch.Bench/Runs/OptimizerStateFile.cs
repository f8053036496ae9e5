using System.IO.Compression;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Bench.Runs;

/// <summary>
/// An optimizer's per-parameter state beside the model in a run directory, as <c>optimizer.npz</c>: one <c>.npy</c> per
/// parameter key and slot (<c>W1.m.npy</c>, <c>W1.v.npy</c>, <c>W1.t.npy</c> for Adam; <c>W1.v.npy</c> for momentum), so
/// <c>train --resume</c> continues with the same velocities and moments.
/// </summary>
internal static class OptimizerStateFile
{
    public const string FileName = "optimizer.npz";

    /// <summary>Writes the state of every parameter of <paramref name="network"/> (temporary file, then move).</summary>
    public static void Save(string path, IOptimizer optimizer, Sequential network)
    {
        string temp = path + ".tmp";
        try
        {
            using (var archive = ZipFile.Open(temp, ZipArchiveMode.Create))
                foreach (var (key, parameter) in network.Params)
                    foreach (var (slot, values) in optimizer.GetState(parameter))
                    {
                        using Stream entry = archive.CreateEntry($"{key}.{slot}.npy", CompressionLevel.Fastest).Open();
                        Npy.Save(entry, NDArray.FromArray(values, values.Length));
                    }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Restores the state saved by <see cref="Save"/> into <paramref name="optimizer"/> for the parameters of <paramref name="network"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not such an archive, or a slot does not fit its parameter.</exception>
    public static void Load(string path, IOptimizer optimizer, Sequential network)
    {
        string name = Path.GetFileName(path);
        try
        {
            using ZipArchive archive = ZipFile.OpenRead(path);
            var slots = new Dictionary<string, Dictionary<string, float[]>>();
            foreach (ZipArchiveEntry entry in archive.Entries)
            {
                string[] parts = entry.FullName.Split('.');   // key.slot.npy
                if (parts.Length != 3 || parts[2] != "npy" || !network.Params.ContainsKey(parts[0]))
                    throw new InvalidDataException($"{name}: unexpected entry '{entry.FullName}'.");
                using Stream stream = entry.Open();
                float[] values = Npy.Load(stream, entry.FullName).ToArray();
                (slots.TryGetValue(parts[0], out var state) ? state : slots[parts[0]] = [])[parts[1]] = values;
            }
            foreach (var (key, state) in slots)
                optimizer.SetState(network.Params[key], state);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{name}: {e.Message}", e);
        }
    }
}
