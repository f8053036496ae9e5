using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Saves and restores a network's parameters and batch-norm running statistics, as NumPy <c>.npz</c> or as <c>.safetensors</c>.</summary>
/// <remarks>
/// <para>
/// The format follows the extension. Both hold one array per key: the book's parameter keys (<c>W1</c>, <c>b1</c>,
/// <c>gamma1</c>, <c>beta1</c>, …) and <c>RunningMean{k}</c>, <c>RunningVar{k}</c> for the k-th batch-norm layer.
/// </para>
/// <list type="bullet">
/// <item><c>.npz</c>: a zip of <c>.npy</c> files, so <c>np.load(path)["W1"]</c> reads it in Python.</item>
/// <item><c>.safetensors</c>: Hugging Face's format (<c>safetensors.numpy.load_file(path)["W1"]</c>). Its <c>__metadata__</c>
/// also records <c>"network"</c> and <c>"args"</c> (<see cref="NetworkDescription"/>) for networks that implement
/// <see cref="IDescribedNetwork"/>, so <see cref="Load(string)"/> rebuilds the network from the file alone.</item>
/// </list>
/// <para>
/// Saving writes a temporary file beside the target and then moves it over the target, so a failure at any point leaves
/// the previous file intact and no temporary file behind. Loading checks the whole file (CRC-32 and sizes of every zip
/// entry; the safetensors header, offsets and sizes; every name and shape against the network) before it changes anything:
/// a corrupt file or one of another architecture throws <see cref="InvalidDataException"/> naming the file and the array,
/// and the network is left as it was.
/// </para>
/// </remarks>
public static class Checkpoint
{
    /// <summary>The safetensors metadata keys of a <see cref="NetworkDescription"/>: its kind and its arguments.</summary>
    private const string NetworkKey = "network", ArgumentsKey = "args";

    /// <summary>The two checkpoint formats.</summary>
    internal enum Format
    {
        Npz,
        Safetensors,
    }

    /// <summary>Writes every parameter and running statistic of <paramref name="network"/> to <paramref name="path"/> (<c>.npz</c> or <c>.safetensors</c>).</summary>
    /// <exception cref="ArgumentException">The extension is neither <c>.npz</c> nor <c>.safetensors</c>.</exception>
    public static void Save(string path, Sequential network) => Save(path, network, open: null);

    /// <summary>Copies the arrays saved in <paramref name="path"/> into <paramref name="network"/>, which must have the same architecture.</summary>
    /// <exception cref="ArgumentException">The extension is neither <c>.npz</c> nor <c>.safetensors</c>.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, lacks an array, holds an extra one or one of another shape; the network is then unchanged.</exception>
    public static void Load(string path, Sequential network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Format format = FormatOf(path);
        using FileStream stream = File.OpenRead(path);
        Load(stream, Path.GetFileName(path), format, network);
    }

    /// <summary>Builds the network a <c>.safetensors</c> checkpoint describes and loads its arrays into it.</summary>
    /// <remarks>The file's <c>__metadata__</c> names the network and its constructor arguments (see <see cref="NetworkDescription"/>).</remarks>
    /// <exception cref="ArgumentException">The path is not a <c>.safetensors</c> file (an <c>.npz</c> does not record its network).</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, does not describe its network (saved from a generic <see cref="Sequential"/>), or its arrays do not fit the network it describes.</exception>
    public static Sequential Load(string path)
    {
        if (FormatOf(path) != Format.Safetensors)
            throw new ArgumentException($"Checkpoint.Load: {path}: an .npz checkpoint does not record its network; construct the network and call Checkpoint.Load(path, network), or save as .safetensors.", nameof(path));
        using FileStream stream = File.OpenRead(path);
        return Load(stream, Path.GetFileName(path));
    }

    /// <summary><see cref="Save(string, Sequential)"/> with the temporary file opened by <paramref name="open"/> (tests pass streams that fail).</summary>
    internal static void Save(string path, Sequential network, Func<string, Stream>? open)
    {
        ArgumentNullException.ThrowIfNull(network);
        Format format = FormatOf(path);
        var arrays = Arrays(network);
        AtomicFile.Write(path, "Checkpoint.Save", stream =>
        {
            if (format == Format.Npz)
                NpzFormat.Write(stream, arrays);
            else
                SafetensorsFormat.Write(stream, arrays, Metadata(network));
        }, open);
    }

    /// <summary>Reads a checkpoint image of the given format from the seekable <paramref name="stream"/> into <paramref name="network"/>; <paramref name="name"/> is for messages.</summary>
    internal static void Load(Stream stream, string name, Format format, Sequential network)
    {
        var targets = Targets(network);
        var expected = targets.Select(t => (t.Key, t.Shape)).ToList();
        NDArray[] values = format == Format.Npz
            ? NpzFormat.Read(stream, name, expected)
            : SafetensorsFormat.ReadTensors(stream, name, SafetensorsFormat.ReadHeader(stream, name), expected);
        for (int i = 0; i < targets.Count; i++)   // every array read and checked: only now change the network
            targets[i].Set(values[i]);
    }

    /// <summary>Rebuilds the network a safetensors image in the seekable <paramref name="stream"/> describes; <paramref name="name"/> is for messages.</summary>
    internal static Sequential Load(Stream stream, string name)
    {
        var header = SafetensorsFormat.ReadHeader(stream, name);
        if (!header.Metadata.TryGetValue(NetworkKey, out string? kind))
            throw new InvalidDataException($"Checkpoint.Load: {name} does not say which network it holds (no \"{NetworkKey}\" in its __metadata__; it was saved from a generic Sequential?). Construct the network and call Checkpoint.Load(path, network).");
        if (!header.Metadata.TryGetValue(ArgumentsKey, out string? arguments))
            throw new InvalidDataException($"Checkpoint.Load: {name}: its __metadata__ names the network {kind} but has no \"{ArgumentsKey}\".");
        long stored = header.Tensors.Sum(t => (t.End - t.Begin) / sizeof(float));
        Sequential network;
        try
        {
            var description = new NetworkDescription(kind, arguments);
            long parameters = description.ParameterCount();
            if (parameters > stored)   // checked before building, so a lying header cannot make us allocate more than the file holds
                throw new InvalidDataException($"Checkpoint.Load: {name}: the network it describes ({description}) has {parameters} parameters, the file holds {stored} values.");
            network = description.Build();
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"Checkpoint.Load: {name}: its __metadata__ does not describe a network Scratch can build: {e.Message}", e);
        }
        var targets = Targets(network);
        NDArray[] values = SafetensorsFormat.ReadTensors(stream, name, header, targets.Select(t => (t.Key, t.Shape)).ToList());
        for (int i = 0; i < targets.Count; i++)
            targets[i].Set(values[i]);
        return network;
    }

    /// <summary>The format the extension names; anything else is an <see cref="ArgumentException"/>.</summary>
    internal static Format FormatOf(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string extension = Path.GetExtension(path);
        if (extension.Equals(".npz", StringComparison.OrdinalIgnoreCase)) return Format.Npz;
        if (extension.Equals(".safetensors", StringComparison.OrdinalIgnoreCase)) return Format.Safetensors;
        throw new ArgumentException($"Checkpoint: {path}: unknown checkpoint format '{extension}'; use .npz or .safetensors.", nameof(path));
    }

    /// <summary>The safetensors metadata: the network's kind and constructor arguments, when it has a description.</summary>
    private static Dictionary<string, string>? Metadata(Sequential network) => network is IDescribedNetwork described
        ? new() { [NetworkKey] = described.Description.Kind, [ArgumentsKey] = described.Description.Arguments }
        : null;

    /// <summary>The arrays a checkpoint holds, by key: the parameters, then each batch norm's running statistics.</summary>
    private static List<(string Key, NDArray Array)> Arrays(Sequential network)
    {
        var arrays = network.Params.Select(p => (p.Key, p.Value.Value)).ToList();
        int k = 0;
        foreach (IRunningStatistics bn in network.Layers.OfType<IRunningStatistics>())
        {
            k++;
            var (mean, variance) = RunningStatistics(bn);
            arrays.Add(($"RunningMean{k}", mean));
            arrays.Add(($"RunningVar{k}", variance));
        }
        return arrays;
    }

    /// <summary>
    /// A batch norm's running mean and variance; before its first Forward (both null) those the layer would start from:
    /// mean 0, variance 0 under <see cref="BatchNormConvention.Book"/> and 1 under <see cref="BatchNormConvention.PyTorch"/>.
    /// </summary>
    internal static (NDArray Mean, NDArray Variance) RunningStatistics(IRunningStatistics bn) => (
        bn.RunningMean ?? NDArray.ZerosLike(bn.Gamma.Value),
        bn.RunningVar ?? (bn.Convention == BatchNormConvention.PyTorch ? NDArray.OnesLike(bn.Gamma.Value) : NDArray.ZerosLike(bn.Gamma.Value)));

    /// <summary>What loading fills, in the order of <see cref="Arrays"/>: each key, its shape, and how to store a loaded value.</summary>
    private static List<(string Key, int[] Shape, Action<NDArray> Set)> Targets(Sequential network)
    {
        var targets = network.Params.Select(p => (p.Key, p.Value.Value.Shape, (Action<NDArray>)(v => p.Value.Value.CopyFrom(v)))).ToList();
        int k = 0;
        foreach (IRunningStatistics bn in network.Layers.OfType<IRunningStatistics>())
        {
            k++;
            targets.Add(($"RunningMean{k}", bn.Gamma.Value.Shape, v => bn.RunningMean = v));
            targets.Add(($"RunningVar{k}", bn.Gamma.Value.Shape, v => bn.RunningVar = v));
        }
        return targets;
    }
}
