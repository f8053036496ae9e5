using System.IO.Compression;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>NumPy's <c>.npz</c>: a zip archive holding one <c>.npy</c> file per array (<c>W1.npy</c>, <c>b1.npy</c>, …).</summary>
/// <remarks>
/// Reading checks everything the format lets it check, before any array is used: each entry's size against the array it
/// must hold, its length against the length the archive records, and its CRC-32 against the recorded one
/// (<see cref="ZipArchive"/> does not verify CRCs), then the <c>.npy</c> header. Every problem is an
/// <see cref="InvalidDataException"/> naming the file and the entry.
/// </remarks>
internal static class NpzFormat
{
    /// <summary>Room for an <c>.npy</c> header in front of the data (format 1.0 headers are under 64 KiB).</summary>
    private const int MaxNpyHeaderBytes = 1 << 16;

    /// <summary>Writes each array as <c>{key}.npy</c>, deflate-compressed, in list order.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Key, NDArray Array)> arrays)
    {
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var (key, array) in arrays)
        {
            using Stream entry = archive.CreateEntry(key + ".npy", CompressionLevel.Fastest).Open();
            Npy.Save(entry, array);
        }
    }

    /// <summary>Reads one array per expected key, each checked against its expected shape; the archive must hold exactly those entries.</summary>
    public static NDArray[] Read(Stream stream, string name, IReadOnlyList<(string Key, int[] Shape)> expected)
    {
        using ZipArchive archive = Zip(name, null, () => new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true));
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        var wanted = expected.Select(e => e.Key + ".npy").ToHashSet(StringComparer.Ordinal);
        foreach (ZipArchiveEntry entry in Zip(name, null, () => archive.Entries))
        {
            if (!entries.TryAdd(entry.FullName, entry))
                throw Bad(name, entry.FullName, "appears twice in the archive.");
            if (!wanted.Contains(entry.FullName))
                throw Bad(name, entry.FullName, $"is not an array of this network (it expects {string.Join(", ", expected.Select(e => e.Key))}).");
        }
        var arrays = new NDArray[expected.Count];
        for (int i = 0; i < expected.Count; i++)
        {
            var (key, shape) = expected[i];
            if (!entries.TryGetValue(key + ".npy", out ZipArchiveEntry? entry))
                throw new InvalidDataException($"Checkpoint.Load: {name} has no array '{key}'.");
            arrays[i] = ReadEntry(name, entry, key, shape);
        }
        return arrays;
    }

    /// <summary>The entry's bytes, checked for length and CRC-32, parsed as an <c>.npy</c> of the expected shape.</summary>
    private static NDArray ReadEntry(string name, ZipArchiveEntry entry, string key, int[] shape)
    {
        string entryName = entry.FullName;
        long needed = (long)Shapes.Size(shape) * sizeof(float);
        long length = Zip(name, entryName, () => entry.Length);
        if (length < needed || length > needed + MaxNpyHeaderBytes)
            throw Bad(name, entryName, $"records {length} bytes; an array of shape {Shapes.Format(shape)} takes {needed} bytes plus a header.");
        var bytes = new byte[length];
        int got;
        bool longer;
        using (Stream data = Zip(name, entryName, entry.Open))
        {
            got = Zip(name, entryName, () => data.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false));
            longer = got == bytes.Length && Zip(name, entryName, data.ReadByte) >= 0;
        }
        if (got < bytes.Length)
            throw Bad(name, entryName, $"ends after {got} of the {length} bytes the archive records.");
        if (longer)
            throw Bad(name, entryName, $"holds more than the {length} bytes the archive records.");
        uint crc = Crc32.Of(bytes), recorded = Zip(name, entryName, () => entry.Crc32);
        if (crc != recorded)
            throw Bad(name, entryName, $"CRC-32 mismatch: the data gives 0x{crc:X8}, the archive records 0x{recorded:X8} (the file is corrupt).");
        NDArray value = Npy.Load(new MemoryStream(bytes, writable: false), $"{name}/{entryName}");
        if (!value.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"Checkpoint.Load: {name}: '{key}' has shape {Shapes.Format(value.Shape)}, the network expects {Shapes.Format(shape)}.");
        return value;
    }

    /// <summary>Runs a call into the zip library, turning its errors on a corrupt archive into one naming the file (and entry).</summary>
    private static T Zip<T>(string name, string? entry, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is InvalidDataException
                                  || e is IOException and not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InvalidDataException(entry is null
                ? $"Checkpoint.Load: {name} is not a readable zip archive: {e.Message}"
                : $"Checkpoint.Load: {name}: entry '{entry}' cannot be read: {e.Message}", e);
        }
    }

    private static InvalidDataException Bad(string name, string entry, string problem) =>
        new($"Checkpoint.Load: {name}: entry '{entry}' {problem}");
}
