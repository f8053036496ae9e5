using System.Buffers.Binary;
using System.IO.Compression;

namespace Scratch.Tests.Data;

/// <summary>Builds IDX files byte by byte, independently of <c>Idx.Write</c>, for the reader's tests.</summary>
internal static class IdxBytes
{
    /// <summary>The header <c>00 00 type rank</c> then the big-endian u32 dimensions, followed by <paramref name="body"/>.</summary>
    public static byte[] File(byte typeCode, uint[] dims, byte[] body)
    {
        var bytes = new byte[4 + 4 * dims.Length + body.Length];
        bytes[2] = typeCode;
        bytes[3] = (byte)dims.Length;
        for (int k = 0; k < dims.Length; k++)
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * k), dims[k]);
        body.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    /// <summary>Big-endian bytes of <paramref name="values"/> for the given type code.</summary>
    public static byte[] Body(byte typeCode, double[] values)
    {
        int size = typeCode switch { 0x08 or 0x09 => 1, 0x0B => 2, 0x0C or 0x0D => 4, 0x0E => 8, _ => throw new ArgumentOutOfRangeException(nameof(typeCode)) };
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            var at = bytes.AsSpan(i * size);
            switch (typeCode)
            {
                case 0x08: at[0] = checked((byte)values[i]); break;
                case 0x09: at[0] = unchecked((byte)checked((sbyte)values[i])); break;
                case 0x0B: BinaryPrimitives.WriteInt16BigEndian(at, checked((short)values[i])); break;
                case 0x0C: BinaryPrimitives.WriteInt32BigEndian(at, checked((int)values[i])); break;
                case 0x0D: BinaryPrimitives.WriteSingleBigEndian(at, (float)values[i]); break;
                case 0x0E: BinaryPrimitives.WriteDoubleBigEndian(at, values[i]); break;
            }
        }
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(raw);
        return output.ToArray();
    }
}

/// <summary>A fresh temporary directory, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "scratch-data-tests-" + Guid.NewGuid().ToString("N"));

    public string Write(string name, byte[] bytes)
    {
        string path = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
    }
}
