using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using Scratch.Tensors;

namespace Scratch.Data;

/// <summary>Reads and writes IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed.</summary>
/// <remarks>
/// <para>An IDX file is a 4-byte magic number, the dimensions, then the values in row-major order:</para>
/// <code>
///   0x00 0x00 type rank      type: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
///   dim₀ dim₁ … dim_{rank−1}  each a big-endian u32
///   Π dims values             big-endian, row-major
/// </code>
/// <para>
/// <c>train-images-idx3-ubyte</c> starts <c>00 00 08 03 | 00 00 EA 60 | 00 00 00 1C | 00 00 00 1C</c>:
/// u8, rank 3, 60000 × 28 × 28.
/// </para>
/// </remarks>
public static class Idx
{
    /// <summary>The largest rank the reader accepts.</summary>
    public const int MaxRank = 8;

    /// <summary>DEFLATE's largest compression ratio: a gzip file of n bytes decompresses to fewer than 1032·n.</summary>
    private const int MaxGzipRatio = 1032;

    private const int ChunkBytes = 1 << 16;                 // a multiple of every element size
    private const int InitialElements = 1 << 12;            // first allocation when the length is unknown (16 KiB)

    /// <summary>The values of the IDX file at <paramref name="path"/> as an NDArray of shape = the file's dimensions.</summary>
    /// <remarks>
    /// Raw and gzip files are told apart by their first bytes (gzip starts 0x1f 0x8b), not by the extension.
    /// The values are converted to float32 without scaling (u8 pixels stay 0–255); i32 beyond ±2²⁴ and f64
    /// round to the nearest float. A corrupt, truncated or oversized file throws
    /// <see cref="InvalidDataException"/> naming the file and the problem, before allocating from an unchecked header.
    /// </remarks>
    public static NDArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkBytes);
        return Read(stream, Path.GetFileName(path));
    }

    /// <summary>The values of the IDX data in <paramref name="stream"/> (raw or gzip), from its current position to its end.</summary>
    /// <remarks>
    /// <paramref name="name"/> is only used in error messages. A seekable stream's length is checked against
    /// the header before anything is allocated; for gzip the check is against DEFLATE's largest ratio, and the
    /// array grows as data actually arrives. The stream is left open.
    /// A corrupt gzip stream (bad header, bad deflate data, CRC-32 mismatch) is an <see cref="InvalidDataException"/>.
    /// One limit comes from <see cref="GZipStream"/>: input that stops inside the 8-byte gzip trailer ends
    /// quietly, so the CRC goes unchecked; the values are still complete, since the body length is checked.
    /// </remarks>
    public static NDArray Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (!stream.CanRead)
            throw new ArgumentException($"Idx.Read: {name}: the stream is not readable.", nameof(stream));
        long? length = stream.CanSeek ? Math.Max(0, stream.Length - stream.Position) : null;

        var start = new byte[2];
        int got = Fill(stream, start, name);
        var prefixed = new PrefixedStream(start.AsSpan(0, got).ToArray(), stream);
        if (got < 2 || start[0] != 0x1f || start[1] != 0x8b)
            return ReadIdx(prefixed, name, length, exact: length is not null, gzipLength: null);

        using var gzip = new GZipStream(prefixed, CompressionMode.Decompress, leaveOpen: true);
        long? bound = length is long n ? (long)Math.Min((decimal)n * MaxGzipRatio, long.MaxValue) : null;
        return ReadIdx(gzip, name, bound, exact: false, gzipLength: length);
    }

    /// <summary>Writes <paramref name="x"/> as an IDX file of element type <paramref name="type"/>; gzip when the path ends in <c>.gz</c>.</summary>
    /// <remarks>
    /// The file is written to a temporary file beside <paramref name="path"/>, then moved over it, so a failure
    /// never leaves a half-written file. Integer types require whole values in their range.
    /// </remarks>
    public static void Write(string path, NDArray x, IdxType type = IdxType.UInt8)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(x);
        float[] values = CheckWritable(x, type);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, ChunkBytes))
            {
                if (full.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                {
                    using var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true);
                    WriteValues(gzip, x.Shape, values, type);
                }
                else
                    WriteValues(file, x.Shape, values, type);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="x"/> as raw (uncompressed) IDX data of element type <paramref name="type"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, NDArray x, IdxType type = IdxType.UInt8)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(x);
        WriteValues(stream, x.Shape, CheckWritable(x, type), type);
    }

    /// <summary>Bytes per element: 1, 2, 4 or 8.</summary>
    public static int ElementSize(IdxType type) => type switch
    {
        IdxType.UInt8 or IdxType.Int8 => 1,
        IdxType.Int16 => 2,
        IdxType.Int32 or IdxType.Float32 => 4,
        IdxType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, $"Idx: unknown type code 0x{(byte)type:X2}."),
    };

    // ---- reading --------------------------------------------------------------------------------

    /// <summary>Parses and checks the header, then reads the body.</summary>
    /// <remarks>
    /// <c>limit</c>: bytes left in the (decompressed) stream, exact (<c>exact</c>) for a raw seekable file, an
    /// upper bound for gzip, null if unknown. <c>gzipLength</c>: the compressed length, for messages.
    /// </remarks>
    private static NDArray ReadIdx(Stream s, string name, long? limit, bool exact, long? gzipLength)
    {
        Span<byte> magic = stackalloc byte[4];
        int got = Fill(s, magic, name);
        if (got < 4)
            throw Error(name, $"truncated header: {got} of the 4 magic-number bytes.");
        if (magic[0] != 0 || magic[1] != 0)
            throw Error(name, $"not an IDX file: the magic number starts 0x{magic[0]:X2} 0x{magic[1]:X2}, expected 0x00 0x00.");
        var type = (IdxType)magic[2];
        if (!Enum.IsDefined(type))
            throw Error(name, $"unknown type code 0x{magic[2]:X2} (expected 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32 or 0x0E f64).");
        int rank = magic[3];
        if (rank < 1 || rank > MaxRank)
            throw Error(name, $"rank {rank} is out of range (1 to {MaxRank}).");

        Span<byte> dimBytes = stackalloc byte[4 * MaxRank];
        dimBytes = dimBytes[..(4 * rank)];
        got = Fill(s, dimBytes, name);
        if (got < dimBytes.Length)
            throw Error(name, $"truncated header: rank {rank} needs {dimBytes.Length} bytes of dimensions, the file has {got}.");
        var dims = new uint[rank];
        BigInteger elements = 1;
        for (int k = 0; k < rank; k++)
        {
            dims[k] = BinaryPrimitives.ReadUInt32BigEndian(dimBytes[(4 * k)..]);
            elements *= dims[k];
        }
        int size = ElementSize(type);
        BigInteger bodyBytes = elements * size;
        int headerBytes = 4 + 4 * rank;
        string says = $"header says {string.Join("×", dims)} {TypeName(type)} ({bodyBytes} bytes)";

        if (limit is long max)
        {
            long available = Math.Max(0, max - headerBytes);
            if (bodyBytes > available)
                throw Error(name, exact
                    ? $"truncated: {says}, the file has {available} after the {headerBytes}-byte header."
                    : $"truncated: {says}, more than a {gzipLength}-byte gzip file can hold.");
            if (exact && bodyBytes < available)
                throw Error(name, $"{available - bodyBytes} trailing bytes: {says}, the file has {available} after the {headerBytes}-byte header.");
        }
        foreach (uint d in dims)
            if (d > int.MaxValue)
                throw Error(name, $"too large: {says}; a dimension of {d} does not fit an NDArray.");
        long prefix = 1;
        foreach (uint d in dims)   // as NDArray checks a shape: no leading product beyond an array's length, even if a later 0 empties it
        {
            prefix *= d;
            if (prefix > Array.MaxLength)
                throw Error(name, $"too large: {says}, more than the {Array.MaxLength} elements an NDArray can hold.");
        }

        int count = (int)elements;
        var shape = Array.ConvertAll(dims, d => (int)d);
        NDArray result = ReadBody(s, name, type, shape, count, exact, says);
        if (!exact && Fill(s, stackalloc byte[1], name) > 0)
            throw Error(name, $"trailing bytes: {says}, and the data goes on after them.");
        return result;
    }

    /// <summary>Decodes <paramref name="count"/> elements chunk by chunk into a new array of <paramref name="shape"/>.</summary>
    /// <remarks>
    /// When the length is known exactly (a raw seekable file that passed the header check) the result is
    /// allocated at once. Otherwise the values go into a buffer that doubles as data actually arrives, and
    /// the full-size result is allocated only once the data has filled half of it, so a lying header costs
    /// at most about twice the data the stream really holds.
    /// </remarks>
    private static NDArray ReadBody(Stream s, string name, IdxType type, int[] shape, int count, bool exact, string says)
    {
        int size = ElementSize(type);
        NDArray? result = exact || count <= InitialElements ? NDArray.Zeros(shape) : null;
        float[] partial = result is null ? new float[InitialElements] : [];   // grows as data arrives
        var chunk = new byte[(int)Math.Min(ChunkBytes, Math.Max(size, (long)count * size))];
        int filled = 0;
        while (filled < count)
        {
            int want = (int)Math.Min(chunk.Length, (long)(count - filled) * size);   // whole elements
            int got = Fill(s, chunk.AsSpan(0, want), name);
            int n = got / size;
            if (result is null && filled + n > partial.Length)
            {
                long next = Math.Max(2L * partial.Length, filled + n);
                if (next >= count)
                {
                    result = NDArray.Zeros(shape);
                    partial.AsSpan(0, filled).CopyTo(result.AsSpan());
                    partial = [];
                }
                else
                    Array.Resize(ref partial, (int)next);
            }
            Span<float> dst = result is null ? partial : result.AsSpan();
            Decode(type, chunk.AsSpan(0, n * size), dst.Slice(filled, n));
            filled += n;
            if (got < want)
                throw Error(name, $"truncated: {says}, the data ends after {(long)filled * size + got % size}.");
        }
        return result ?? throw new InvalidOperationException("unreachable: count > 0 always allocates the result");
    }

    private static void Decode(IdxType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        switch (type)
        {
            case IdxType.UInt8:
                for (int i = 0; i < dst.Length; i++) dst[i] = src[i];
                break;
            case IdxType.Int8:
                for (int i = 0; i < dst.Length; i++) dst[i] = (sbyte)src[i];
                break;
            case IdxType.Int16:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt16BigEndian(src[(2 * i)..]);
                break;
            case IdxType.Int32:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt32BigEndian(src[(4 * i)..]);
                break;
            case IdxType.Float32:
                for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleBigEndian(src[(4 * i)..]);
                break;
            case IdxType.Float64:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleBigEndian(src[(8 * i)..]);
                break;
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; a corrupt gzip stream becomes our error.</summary>
    private static int Fill(Stream s, Span<byte> buffer, string name)
    {
        try
        {
            return s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw Error(name, $"corrupt gzip data: {e.Message}", e);
        }
    }

    private static InvalidDataException Error(string name, string problem, Exception? inner = null) =>
        new($"Idx.Read: {name}: {problem}", inner);

    private static string TypeName(IdxType type) => type switch
    {
        IdxType.UInt8 => "u8",
        IdxType.Int8 => "i8",
        IdxType.Int16 => "i16",
        IdxType.Int32 => "i32",
        IdxType.Float32 => "f32",
        _ => "f64",
    };

    // ---- writing --------------------------------------------------------------------------------

    private static float[] CheckWritable(NDArray x, IdxType type)
    {
        ElementSize(type);   // rejects unknown codes
        if (x.Rank < 1 || x.Rank > MaxRank)
            throw new ArgumentException($"Idx.Write: rank {x.Rank} of {Shapes.Format(x.Shape)} is out of range (1 to {MaxRank}).", nameof(x));
        float[] values = x.ToArray();
        (double lo, double hi) = type switch
        {
            IdxType.UInt8 => (byte.MinValue, byte.MaxValue),
            IdxType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
            IdxType.Int16 => (short.MinValue, short.MaxValue),
            IdxType.Int32 => (int.MinValue, 2147483520.0),   // the largest float below 2³¹
            _ => (double.NaN, double.NaN),
        };
        if (double.IsNaN(lo))
            return values;
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!(v >= lo && v <= hi) || v != MathF.Round(v))
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Idx.Write: element {i} ({v}) is not a whole number in [{lo}, {hi}] for {TypeName(type)}."),
                    nameof(x));
        }
        return values;
    }

    private static void WriteValues(Stream stream, int[] shape, float[] values, IdxType type)
    {
        var header = new byte[4 + 4 * shape.Length];
        header[2] = (byte)type;
        header[3] = (byte)shape.Length;
        for (int k = 0; k < shape.Length; k++)
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * k), (uint)shape[k]);
        stream.Write(header);

        int size = ElementSize(type);
        var chunk = new byte[ChunkBytes];
        int perChunk = ChunkBytes / size;
        for (int start = 0; start < values.Length; start += perChunk)
        {
            int n = Math.Min(perChunk, values.Length - start);
            var span = chunk.AsSpan(0, n * size);
            for (int i = 0; i < n; i++)
            {
                float v = values[start + i];
                switch (type)
                {
                    case IdxType.UInt8: span[i] = (byte)v; break;
                    case IdxType.Int8: span[i] = (byte)(sbyte)v; break;
                    case IdxType.Int16: BinaryPrimitives.WriteInt16BigEndian(span[(2 * i)..], (short)v); break;
                    case IdxType.Int32: BinaryPrimitives.WriteInt32BigEndian(span[(4 * i)..], (int)v); break;
                    case IdxType.Float32: BinaryPrimitives.WriteSingleBigEndian(span[(4 * i)..], v); break;
                    case IdxType.Float64: BinaryPrimitives.WriteDoubleBigEndian(span[(8 * i)..], v); break;
                }
            }
            stream.Write(span);
        }
    }

    /// <summary>A read-only stream that replays a few bytes already read, then the rest of another stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
    {
        private int _at;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            if (_at < prefix.Length && buffer.Length > 0)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _at);
                prefix.AsSpan(_at, n).CopyTo(buffer);
                _at += n;
                return n;
            }
            return inner.Read(buffer);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
