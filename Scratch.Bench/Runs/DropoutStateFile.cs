using System.Text.Json;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Bench.Runs;

/// <summary>
/// The mask generators of a network's dropout layers beside the model in a run directory, as <c>dropout-state.json</c>:
/// for each <see cref="Dropout"/> layer (by its index in the network) the MT19937 key, position and cached Gaussian of
/// <see cref="Dropout.Random"/>, so <c>train --resume</c> draws the masks an uninterrupted run would.
/// </summary>
internal static class DropoutStateFile
{
    public const string FileName = "dropout-state.json";

    /// <summary>One dropout layer's generator: its index among the network's layers and its state.</summary>
    private sealed record Entry(int Layer, uint[] Key, int Position, bool HasGauss, double CachedGaussian);

    /// <summary>Writes the state of every dropout layer of <paramref name="network"/> (temporary file, then move); a network without dropout writes an empty list.</summary>
    public static void Save(string path, Sequential network)
    {
        var entries = new List<Entry>();
        for (int i = 0; i < network.Layers.Count; i++)
            if (network.Layers[i] is Dropout dropout)
            {
                MersenneTwisterState s = dropout.Random.GetState();
                entries.Add(new Entry(i, s.Key, s.Position, s.HasGauss, s.CachedGaussian));
            }
        RunFiles.WriteAllTextAtomic(path, JsonSerializer.Serialize(entries, JsonSerializerOptions.Web));
    }

    /// <summary>Restores the states saved by <see cref="Save"/> into the dropout layers of <paramref name="network"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not such a list, or its layers are not the network's dropout layers.</exception>
    /// <exception cref="FileNotFoundException">The network has dropout layers and the file is missing.</exception>
    public static void Load(string path, Sequential network)
    {
        string name = Path.GetFileName(path);
        int[] dropouts = Enumerable.Range(0, network.Layers.Count).Where(i => network.Layers[i] is Dropout).ToArray();
        if (dropouts.Length == 0 && !File.Exists(path)) return;   // a run without dropout has nothing to restore
        List<Entry> entries;
        try
        {
            entries = JsonSerializer.Deserialize<List<Entry>>(File.ReadAllText(path), JsonSerializerOptions.Web)
                ?? throw new InvalidDataException($"{name}: expected a list of dropout states, got null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{name}: {e.Message}", e);
        }
        int[] saved = entries.Select(e => e.Layer).ToArray();
        if (!saved.SequenceEqual(dropouts))
            throw new InvalidDataException($"{name}: states for layers [{string.Join(", ", saved)}], but the network's dropout layers are [{string.Join(", ", dropouts)}].");
        try
        {
            foreach (Entry e in entries)
                ((Dropout)network.Layers[e.Layer]).Random.SetState(new MersenneTwisterState(e.Key, e.Position, e.HasGauss, e.CachedGaussian));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{name}: {e.Message}", e);
        }
    }
}
