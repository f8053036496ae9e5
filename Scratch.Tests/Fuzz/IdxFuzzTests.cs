using System.Buffers.Binary;
using System.IO.Compression;
using Scratch.Data;
using Scratch.Tensors;
using Scratch.Tests.Data;

namespace Scratch.Tests.Fuzz;

/// <summary>Fuzzes <see cref="Idx.Read(Stream, string)"/> with raw and gzip IDX files, through seekable and non-seekable streams.</summary>
public class IdxFuzzTests
{
    /// <summary>Small valid files of several element types and ranks.</summary>
    private static readonly byte[][] Bases =
    [
        IdxBytes.File(0x08, [2, 3, 4], IdxBytes.Body(0x08, [.. Enumerable.Range(0, 24).Select(i => (double)(i * 10))])),
        IdxBytes.File(0x0B, [3, 5], IdxBytes.Body(0x0B, [.. Enumerable.Range(0, 15).Select(i => (double)(i * 1000 - 7000))])),
        IdxBytes.File(0x0E, [4], IdxBytes.Body(0x0E, [0.5, -1e300, double.NaN, 3.25])),
    ];

    /// <summary>Mutations of each base, plus header cases: every type code, every rank, boundary values in every dimension.</summary>
    private static IEnumerable<FuzzCase> RawCorpus(int seed)
    {
        var mutator = new Mutator(seed);
        foreach (byte[] valid in Bases)
        {
            foreach (var c in mutator.Corpus(valid, 3_400))
                yield return c;
            for (int code = 0; code < 256; code++)
                yield return new($"type code 0x{code:X2}", [.. valid[..2], (byte)code, .. valid[3..]]);
            for (int rank = 0; rank < 256; rank++)
                yield return new($"rank {rank}", [.. valid[..3], (byte)rank, .. valid[4..]]);
            for (int k = 0; k < valid[3]; k++)
                foreach (uint dim in new uint[] { 0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x10000, 1 << 20 })
                {
                    byte[] bytes = (byte[])valid.Clone();
                    BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * k), dim);
                    yield return new($"dimension {k} = {dim}", bytes);
                }
        }
    }

    /// <summary>Mutations of the gzip bytes, and gzip files of mutated IDX files (valid compression, lying header).</summary>
    private static IEnumerable<FuzzCase> GzipCorpus(int seed)
    {
        var mutator = new Mutator(seed);
        foreach (byte[] valid in Bases)
        {
            foreach (var c in mutator.Corpus(IdxBytes.Gzip(valid), 2_400))
                yield return c;
            for (int i = 0; i < 1_000; i++)
            {
                var inner = mutator.Mutate(valid);
                yield return new($"gzip of ({inner.Name})", IdxBytes.Gzip(inner.Bytes));
            }
        }
    }

    [Test]
    public void Read_Raw_MutatedFiles_RejectOrReadCorrectly([Values] bool seekable) =>
        FuzzRunner.Run($"Idx.Read raw ({(seekable ? "seekable" : "non-seekable")})", RawCorpus(1), bytes => Read(bytes, seekable), (c, result) => Oracle(c.Bytes, (NDArray)result!));

    [Test]
    public void Read_Gzip_MutatedFiles_RejectOrReadCorrectly([Values] bool seekable) =>
        FuzzRunner.Run($"Idx.Read gzip ({(seekable ? "seekable" : "non-seekable")})", GzipCorpus(2), bytes => Read(bytes, seekable), (c, result) => Oracle(Gunzip(c.Bytes), (NDArray)result!));

    private static NDArray Read(byte[] bytes, bool seekable) =>
        Idx.Read(seekable ? new MemoryStream(bytes, writable: false) : new PipeStream(bytes), "fuzz.idx");

    /// <summary>An independent decoding of a raw IDX file (big-endian header and values); null when <paramref name="x"/> matches it.</summary>
    internal static string? Oracle(byte[] raw, NDArray x)
    {
        if (raw.Length < 4 || raw[0] != 0 || raw[1] != 0)
            return "the input has no IDX magic number";
        int size = raw[2] switch { 0x08 or 0x09 => 1, 0x0B => 2, 0x0C or 0x0D => 4, 0x0E => 8, _ => 0 };
        int rank = raw[3];
        if (size == 0 || rank == 0 || raw.Length < 4 + 4 * rank)
            return $"type 0x{raw[2]:X2}, rank {rank}, {raw.Length} bytes is not a valid header";
        var dims = Enumerable.Range(0, rank).Select(k => (long)BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(4 + 4 * k))).ToArray();
        long count = dims.Aggregate(1L, (p, d) => p * d);
        if (raw.Length != 4 + 4 * rank + count * size)
            return $"the header says {count} values of {size} bytes, the file holds {raw.Length - 4 - 4 * rank} bytes of data";
        if (!x.Shape.Select(d => (long)d).SequenceEqual(dims))
            return $"shape {Shapes.Format(x.Shape)}, the header says ({string.Join(", ", dims)})";
        float[] values = x.ToArray();
        var body = raw.AsSpan(4 + 4 * rank);
        for (int i = 0; i < count; i++)
        {
            var at = body[(i * size)..];
            float expected = raw[2] switch
            {
                0x08 => at[0],
                0x09 => (sbyte)at[0],
                0x0B => BinaryPrimitives.ReadInt16BigEndian(at),
                0x0C => BinaryPrimitives.ReadInt32BigEndian(at),
                0x0D => BinaryPrimitives.ReadSingleBigEndian(at),
                _ => (float)BinaryPrimitives.ReadDoubleBigEndian(at),
            };
            if (!(expected.Equals(values[i])))
                return $"value {i} is {values[i]}, the file says {expected}";
        }
        return null;
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var raw = new MemoryStream();
            gzip.CopyTo(raw);
            return raw.ToArray();
        }
        catch (InvalidDataException)
        {
            return [];   // the oracle then says no reader should have accepted it
        }
    }
}

/// <summary>A read-only, non-seekable view of a byte array, as a pipe or a network stream would be.</summary>
internal sealed class PipeStream(byte[] bytes) : Stream
{
    private readonly MemoryStream _inner = new(bytes, writable: false);
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => _inner.Read(buffer);
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
