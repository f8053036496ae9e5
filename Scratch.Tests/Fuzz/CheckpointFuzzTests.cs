using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Tests.Fuzz;

/// <summary>Fuzzes <c>Checkpoint.Load</c> on <c>.npz</c> and <c>.safetensors</c> images of a small network.</summary>
public class CheckpointFuzzTests
{
    private static TwoLayerNet Fresh() => new(4, 3, 2, seed: 1);

    /// <summary>The network that was saved: random values, so a load that kept the fresh weights cannot pass.</summary>
    private static TwoLayerNet Saved()
    {
        var network = Fresh();
        uint seed = 40;
        foreach (var p in network.Parameters)
            p.Value.CopyFrom(NDArray.RandomNormal(p.Value.Shape, 0, 1, seed++));
        return network;
    }

    private static int[] Bits(Sequential network) =>
        [.. network.Parameters.SelectMany(p => p.Value.ToArray()).Select(BitConverter.SingleToInt32Bits)];

    private static byte[] Image(Sequential network, Checkpoint.Format format)
    {
        string path = Path.Combine(Path.GetTempPath(), $"scratch-fuzz-{Guid.NewGuid():N}" + (format == Checkpoint.Format.Npz ? ".npz" : ".safetensors"));
        try
        {
            Checkpoint.Save(path, network);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- .npz -----------------------------------------------------------------------------------

    /// <summary>Byte-level mutations; every size, CRC, method and offset field of the zip records set to boundary values; odd archives.</summary>
    private static IEnumerable<FuzzCase> NpzCorpus(byte[] valid, int seed)
    {
        var mutator = new Mutator(seed);
        foreach (var c in mutator.Corpus(valid, 10_000))
            yield return c;
        ulong[] values = [0, 1, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, (ulong)valid.Length, (ulong)valid.Length + 1, 1 << 20];
        for (int i = 0; i + 4 <= valid.Length; i++)
        {
            uint signature = BinaryPrimitives.ReadUInt32LittleEndian(valid.AsSpan(i));
            (int Offset, int Size)[] fields = signature switch
            {
                0x04034b50 => [(6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2)],                                   // local file header
                0x02014b50 => [(8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2), (32, 2), (34, 2), (42, 4)],       // central directory
                0x06054b50 => [(4, 2), (6, 2), (8, 2), (10, 2), (12, 4), (16, 4), (20, 2)],                                   // end of central directory
                _ => [],
            };
            foreach (var (offset, size) in fields)
                foreach (ulong value in values)
                {
                    if (i + offset + size > valid.Length) continue;
                    byte[] bytes = (byte[])valid.Clone();
                    if (size == 2) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i + offset), (ushort)value);
                    else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + offset), (uint)value);
                    yield return new($"zip record 0x{signature:X8} at {i}: field +{offset} = {value}", bytes);
                }
        }
        foreach (var (name, entries) in OddArchives())
            yield return new(name, Zip(entries));
    }

    /// <summary>Archives with duplicate, missing, extra or mistyped entries.</summary>
    private static IEnumerable<(string Name, (string Entry, byte[] Data)[] Entries)> OddArchives()
    {
        var saved = Saved();
        var good = saved.Params.Select(p => (p.Key + ".npy", Npy(p.Value.Value))).ToArray();
        yield return ("empty archive", []);
        yield return ("duplicate W1", [.. good, good[0]]);
        yield return ("missing b2", good[..^1]);
        yield return ("extra entry", [.. good, ("W3.npy", Npy(NDArray.Zeros(2)))]);
        yield return ("directory entry", [.. good, ("W1.npy/", [])]);
        yield return ("W1 as float64", [(good[0].Item1, Bytes("\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }" + new string(' ', 53) + "\n") ), .. good[1..]]);
        yield return ("W1 claiming terabytes", [(good[0].Item1, Bytes("\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1073741824, 1024), }" + new string(' ', 40) + "\n")), .. good[1..]]);
        yield return ("W1 transposed", [(good[0].Item1, Npy(saved.Params["W1"].Value.T)), .. good[1..]]);
    }

    private static byte[] Npy(NDArray x)
    {
        var stream = new MemoryStream();
        Scratch.Tensors.Npy.Save(stream, x);
        return stream.ToArray();
    }

    private static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    private static byte[] Zip((string Entry, byte[] Data)[] entries)
    {
        var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in entries)
            {
                using Stream entry = archive.CreateEntry(name).Open();
                entry.Write(data);
            }
        return stream.ToArray();
    }

    [Test]
    public void Load_Npz_MutatedFiles_RejectOrLoadTheSavedWeights()
    {
        int[] saved = Bits(Saved()), fresh = Bits(Fresh());
        byte[] valid = Image(Saved(), Checkpoint.Format.Npz);
        TwoLayerNet target = Fresh();
        FuzzRunner.Run("Checkpoint.Load .npz", NpzCorpus(valid, 4),
            bytes =>
            {
                target = Fresh();
                Checkpoint.Load(new MemoryStream(bytes, writable: false), "fuzz.npz", Checkpoint.Format.Npz, target);
                return target;
            },
            (c, result) => Bits((Sequential)result!).SequenceEqual(saved) ? null : "weights other than the saved ones",
            () => Bits(target).SequenceEqual(fresh) ? null : "the network changed");
    }

    // ---- safetensors ----------------------------------------------------------------------------

    /// <summary>Byte-level mutations, header-length claims, and JSON-header mutations (one number or string each) re-framed with the right length.</summary>
    private static IEnumerable<FuzzCase> SafetensorsCorpus(byte[] valid, int seed)
    {
        var mutator = new Mutator(seed);
        foreach (var c in mutator.Corpus(valid, 6_000))
            yield return c;
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        string header = Encoding.UTF8.GetString(valid, 8, n);
        byte[] data = valid[(8 + n)..];
        foreach (ulong claim in new ulong[] { 0, 1, 2, 7, (ulong)n - 1, (ulong)n + 1, (ulong)valid.Length - 8, (ulong)valid.Length, 1UL << 40, long.MaxValue, 1UL << 63, ulong.MaxValue, 100_000_001 })
        {
            byte[] bytes = (byte[])valid.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, claim);
            yield return new($"header length {claim}", bytes);
        }
        for (int i = 0; i < 4_000; i++)
        {
            var (name, text) = mutator.MutateText(header);
            yield return new($"header {name}", Frame(text, data));
        }
        string w1 = "\"W1\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,48]}";
        foreach (var (name, text) in new (string, string)[]
                 {
                     ("duplicate W1", header.Replace(w1, w1 + "," + w1)),
                     ("duplicate W1 spelt with an escape", header.Replace(w1, w1 + "," + w1.Replace("\"W1\"", "\"W\\u0031\""))),
                     ("overlapping W1 and b1", header.Replace("[0,48]", "[0,52]")),
                     ("nested too deep", header.Replace("[4,3]", "[[[[[[4]]]]],3]")),
                     ("metadata not an object", header.Replace("\"__metadata__\":{", "\"__metadata__\":[{").Replace("},\"W1\"", "}],\"W1\"")),
                     ("byte order mark", "\uFEFF" + header),
                 })
            yield return new(name, Frame(text, data));
    }

    private static byte[] Frame(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    [Test]
    public void Load_Safetensors_MutatedFiles_RejectOrLoadWhatTheFileSays([Values] bool rebuild)
    {
        int[] fresh = Bits(Fresh());
        byte[] valid = Image(Saved(), Checkpoint.Format.Safetensors);
        TwoLayerNet target = Fresh();
        FuzzRunner.Run($"Checkpoint.Load .safetensors ({(rebuild ? "rebuild from the file" : "into a network")})", SafetensorsCorpus(valid, rebuild ? 6 : 5),
            bytes =>
            {
                target = Fresh();
                var stream = new MemoryStream(bytes, writable: false);
                if (rebuild)
                    return Checkpoint.Load(stream, "fuzz.safetensors");
                Checkpoint.Load(stream, "fuzz.safetensors", Checkpoint.Format.Safetensors, target);
                return target;
            },
            (c, result) => SafetensorsOracle(c.Bytes, (Sequential)result!),
            () => Bits(target).SequenceEqual(fresh) ? null : "the network changed");
    }

    /// <summary>Each parameter must hold the little-endian floats its header entry points to (header parsed here independently).</summary>
    private static string? SafetensorsOracle(byte[] bytes, Sequential network)
    {
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        foreach (var (key, p) in network.Params)
        {
            JsonElement entry = header.RootElement.GetProperty(key);
            if (entry.GetProperty("dtype").GetString() != "F32")
                return $"{key} is {entry.GetProperty("dtype")}";
            int[] shape = [.. entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32())];
            if (!shape.SequenceEqual(p.Value.Shape))
                return $"{key} has shape {Shapes.Format(p.Value.Shape)}, the file says {Shapes.Format(shape)}";
            long begin = entry.GetProperty("data_offsets")[0].GetInt64();
            float[] values = p.Value.ToArray();
            for (int i = 0; i < values.Length; i++)
                if (BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((int)(8 + n + begin + 4 * i))) != BitConverter.SingleToInt32Bits(values[i]))
                    return $"{key}[{i}] is {values[i]}, the file says otherwise";
        }
        return null;
    }
}
