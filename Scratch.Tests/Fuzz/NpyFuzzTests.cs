using System.Buffers.Binary;
using System.Text;
using Scratch.Tensors;

namespace Scratch.Tests.Fuzz;

/// <summary>Fuzzes <see cref="Npy.Load(Stream, string)"/> through seekable and non-seekable streams.</summary>
public class NpyFuzzTests
{
    private static string DataFile(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "npy", name);

    /// <summary>A valid file and how to decode its data: byte order, Fortran order, shape.</summary>
    private sealed record Base(byte[] Bytes, bool BigEndian, bool Fortran, int[] Shape);

    private static Base[] Bases()
    {
        var c = new MemoryStream();
        Npy.Save(c, NDArray.Arange(12).Reshape(3, 4) / 7f);
        return
        [
            new(c.ToArray(), false, false, [3, 4]),
            new(File.ReadAllBytes(DataFile("f4_fortran.npy")), false, true, [2, 3]),
            new(File.ReadAllBytes(DataFile("f4_bigendian.npy")), true, false, [2, 2]),
            new(File.ReadAllBytes(DataFile("f4_scalar.npy")), false, false, []),
            new(Version2(c.ToArray()), false, false, [3, 4]),
        ];
    }

    /// <summary>The same file in format 2.0: a 4-byte header length.</summary>
    private static byte[] Version2(byte[] v1)
    {
        int length = BinaryPrimitives.ReadUInt16LittleEndian(v1.AsSpan(8));
        var bytes = new byte[v1.Length + 2];
        v1.AsSpan(0, 8).CopyTo(bytes);
        bytes[6] = 2;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)length);
        v1.AsSpan(10).CopyTo(bytes.AsSpan(12));
        return bytes;
    }

    /// <summary>Byte-level mutations of each base, and header-text mutations (shape, dtype, order) with the length re-framed.</summary>
    private static IEnumerable<FuzzCase> Corpus(int seed)
    {
        var mutator = new Mutator(seed);
        foreach (Base b in Bases())
        {
            foreach (var c in mutator.Corpus(b.Bytes, 1_800))
                yield return c;
            int start = HeaderStart(b.Bytes);
            string header = Encoding.Latin1.GetString(b.Bytes, start, DataStart(b.Bytes) - start);
            for (int i = 0; i < 700; i++)
            {
                var (name, text) = mutator.MutateText(header);
                yield return new($"header {name}", Reframe(b.Bytes, text));
            }
            foreach (string shape in new[] { "()", "(0,)", "(99999999999,)", "(-1,)", "(2147483647, 2147483647)", "(65536, 65536, 65536)", "(3, 4, 0, 2147483647)",
                         "(1,)*40", "(" + string.Concat(Enumerable.Repeat("1, ", 64)) + ")", "(3,4", "3, 4", "(3.0, 4)", "(0x3, 4)" })
                yield return new($"shape {shape}", Reframe(b.Bytes, ShapePattern.Replace(header, $"'shape': {shape}, ")));
        }
    }

    private static readonly System.Text.RegularExpressions.Regex ShapePattern = new(@"'shape':\s*\([^)]*\),\s*");

    private static int HeaderStart(byte[] bytes) => bytes[6] == 1 ? 10 : 12;

    private static int DataStart(byte[] bytes) => bytes.Length < 12 ? int.MaxValue
        : bytes[6] == 1 ? 10 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8))
        : (int)Math.Min(int.MaxValue, 12L + BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));

    /// <summary>The file with its header text replaced and the header length field set to match.</summary>
    private static byte[] Reframe(byte[] file, string header)
    {
        int start = HeaderStart(file);
        byte[] text = Encoding.Latin1.GetBytes(header);
        var bytes = new byte[start + text.Length + (file.Length - DataStart(file))];
        file.AsSpan(0, start).CopyTo(bytes);
        if (start == 10) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)Math.Min(text.Length, ushort.MaxValue));
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)text.Length);
        text.CopyTo(bytes, start);
        file.AsSpan(DataStart(file)).CopyTo(bytes.AsSpan(start + text.Length));
        return bytes;
    }

    [Test]
    public void Load_MutatedFiles_RejectOrReadCorrectly([Values] bool seekable)
    {
        Base[] bases = Bases();
        FuzzRunner.Run($"Npy.Load ({(seekable ? "seekable" : "non-seekable")})", Corpus(3),
            bytes => Npy.Load(seekable ? new MemoryStream(bytes, writable: false) : new PipeStream(bytes), "fuzz.npy"),
            (c, result) => Oracle(bases, c.Bytes, (NDArray)result!, seekable));
    }

    /// <summary>
    /// A result must account for the data after the header (all of it from a seekable stream; a pipe may go on), and when
    /// the header is one of the valid ones unchanged, its values must be the data decoded as that header says.
    /// </summary>
    private static string? Oracle(Base[] bases, byte[] bytes, NDArray x, bool seekable)
    {
        long data = bytes.Length - (long)DataStart(bytes);
        if (seekable ? x.Size * 4L != data : x.Size * 4L > data)
            return $"{x.Size} values from {data} bytes of data";
        Base? same = bases.FirstOrDefault(b => b.Bytes.Length >= DataStart(b.Bytes) && DataStart(b.Bytes) == DataStart(bytes)
                                               && b.Bytes.AsSpan(0, DataStart(b.Bytes)).SequenceEqual(bytes.AsSpan(0, DataStart(bytes))));
        if (same is null)
            return null;
        if (!x.Shape.SequenceEqual(same.Shape))
            return $"shape {Shapes.Format(x.Shape)}, the header says {Shapes.Format(same.Shape)}";
        float[] values = x.ToArray();
        int[] shape = same.Shape;
        for (int i = 0; i < values.Length; i++)
        {
            int stored = same.Fortran ? (i % shape[1]) * shape[0] + i / shape[1] : i;   // 2-D Fortran: element [r, c] is stored at c·rows + r
            var at = bytes.AsSpan(DataStart(bytes) + 4 * stored);
            float expected = same.BigEndian ? BinaryPrimitives.ReadSingleBigEndian(at) : BinaryPrimitives.ReadSingleLittleEndian(at);
            if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(values[i]))
                return $"value {i} is {values[i]}, the data says {expected}";
        }
        return null;
    }
}
