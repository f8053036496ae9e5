using Scratch.Data;
using Scratch.Tensors;

namespace Scratch.Tests.Data;

public class IdxReadTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    // Values chosen to hit each type's extremes; all are exact in float32.
    private static readonly object[] Types =
    [
        new object[] { (byte)0x08, new double[] { 0, 1, 127, 128, 254, 255 } },
        new object[] { (byte)0x09, new double[] { -128, -1, 0, 1, 100, 127 } },
        new object[] { (byte)0x0B, new double[] { -32768, -256, -1, 0, 258, 32767 } },
        new object[] { (byte)0x0C, new double[] { -16777216, -65536, -1, 0, 70000, 16777216 } },
        new object[] { (byte)0x0D, new double[] { -3.5, -0.0, 1e-30, 0.1f, 3.4028234663852886e38, double.PositiveInfinity } },
        new object[] { (byte)0x0E, new double[] { -1.25, 0, 0.5f, 1e-7f, 65504, -2.5e20f } },
    ];

    [TestCaseSource(nameof(Types))]
    public void Read_EachType_RawAndGzip_ValuesRoundTripExactly(byte typeCode, double[] values)
    {
        byte[] raw = IdxBytes.File(typeCode, [2, 3], IdxBytes.Body(typeCode, values));
        string rawPath = _dir.Write("values-idx2", raw);
        string gzPath = _dir.Write("values-idx2.gz", IdxBytes.Gzip(raw));
        float[] expected = values.Select(v => (float)v).ToArray();
        foreach (string path in new[] { rawPath, gzPath })
        {
            NDArray x = Idx.Read(path);
            Assert.Multiple(() =>
            {
                Assert.That(x.Shape, Is.EqualTo(new[] { 2, 3 }), path);
                Assert.That(x.ToArray(), Is.EqualTo(expected), path);
                // -0.0 survives as -0.0 (Is.EqualTo does not tell the zeros apart)
                Assert.That(x.ToArray().Select(float.IsNegative), Is.EqualTo(expected.Select(float.IsNegative)), path);
            });
        }
    }

    [TestCase(new uint[] { 7 })]
    [TestCase(new uint[] { 3, 5 })]
    [TestCase(new uint[] { 2, 3, 4 })]
    [TestCase(new uint[] { 2, 1, 3, 2 })]
    public void Read_Ranks1To4_RawAndGzip_GiveTheFileShape(uint[] dims)
    {
        int n = (int)dims.Aggregate(1u, (a, d) => a * d);
        double[] values = Enumerable.Range(0, n).Select(i => (double)(i * 7 % 256)).ToArray();
        byte[] raw = IdxBytes.File(0x08, dims, IdxBytes.Body(0x08, values));
        foreach (var (name, bytes) in new[] { ("r", raw), ("r.gz", IdxBytes.Gzip(raw)) })
        {
            NDArray x = Idx.Read(_dir.Write(name, bytes));
            Assert.That(x.Shape, Is.EqualTo(dims.Select(d => (int)d).ToArray()), name);
            Assert.That(x.ToArray(), Is.EqualTo(values.Select(v => (float)v).ToArray()), name);
        }
    }

    [Test]
    public void Read_DetectsGzipByMagic_NotByExtension()
    {
        byte[] raw = IdxBytes.File(0x08, [3], [1, 2, 3]);
        NDArray fromGzipNamedRaw = Idx.Read(_dir.Write("labels-idx1-ubyte", IdxBytes.Gzip(raw)));
        NDArray fromRawNamedGz = Idx.Read(_dir.Write("labels-idx1-ubyte.gz", raw));
        Assert.That(fromGzipNamedRaw.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f }));
        Assert.That(fromRawNamedGz.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f }));
    }

    [Test]
    public void Read_ZeroLengthDimension_GivesEmptyArray()
    {
        NDArray x = Idx.Read(_dir.Write("empty", IdxBytes.File(0x08, [0, 28, 28], [])));
        Assert.That(x.Shape, Is.EqualTo(new[] { 0, 28, 28 }));
        Assert.That(x.Size, Is.Zero);
    }

    [Test]
    public void Read_NonSeekableStream_RawAndGzip()
    {
        // A body larger than the reader's first allocation and its 64 KiB chunks, through a stream with no Length.
        int n = 3_000_000;
        double[] values = Enumerable.Range(0, n).Select(i => (double)(i % 251)).ToArray();
        byte[] raw = IdxBytes.File(0x08, [(uint)n], IdxBytes.Body(0x08, values));
        foreach (byte[] bytes in new[] { raw, IdxBytes.Gzip(raw) })
        {
            using var stream = new ForwardOnlyStream(bytes);
            NDArray x = Idx.Read(stream, "big");
            float[] got = x.ToArray();
            Assert.That(got, Has.Length.EqualTo(n));
            Assert.That(Enumerable.Range(0, n).All(i => got[i] == i % 251), Is.True);
        }
    }

    [Test]
    public void Read_StreamOverload_LeavesTheStreamOpen()
    {
        using var stream = new MemoryStream(IdxBytes.File(0x08, [2], [5, 6]));
        Idx.Read(stream, "two");
        Assert.That(stream.CanRead, Is.True);
    }

    [TestCase(IdxType.UInt8, "w-idx3")]
    [TestCase(IdxType.Int8, "w-idx3.gz")]
    [TestCase(IdxType.Int16, "w-idx3")]
    [TestCase(IdxType.Int32, "w-idx3.gz")]
    [TestCase(IdxType.Float32, "w-idx3")]
    [TestCase(IdxType.Float64, "w-idx3.gz")]
    public void Write_ThenRead_RoundTrips(IdxType type, string name)
    {
        var x = NDArray.FromArray([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23], 2, 3, 4);
        string path = Path.Combine(_dir.Path, name);
        Idx.Write(path, x, type);
        NDArray y = Idx.Read(path);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 3, 4 }));
        Assert.That(y.ToArray(), Is.EqualTo(x.ToArray()));
        Assert.That(Directory.GetFiles(_dir.Path), Has.Length.EqualTo(1), "no temporary file left behind");
        bool gzip = File.ReadAllBytes(path) is [0x1f, 0x8b, ..];
        Assert.That(gzip, Is.EqualTo(name.EndsWith(".gz", StringComparison.Ordinal)));
    }

    [Test]
    public void Write_MatchesTheHandBuiltBytes()
    {
        var x = NDArray.FromArray([1, 2, 3, 255, 0, 7], 2, 3);
        using var stream = new MemoryStream();
        Idx.Write(stream, x, IdxType.UInt8);
        Assert.That(stream.ToArray(), Is.EqualTo(IdxBytes.File(0x08, [2, 3], [1, 2, 3, 255, 0, 7])));
    }

    [Test]
    public void Write_ValueOutOfRange_ThrowsAndLeavesNoFile()
    {
        string path = Path.Combine(_dir.Path, "bad");
        var ex = Assert.Throws<ArgumentException>(() => Idx.Write(path, NDArray.FromArray([1, 256]), IdxType.UInt8));
        Assert.That(ex!.Message, Does.Contain("element 1 (256)"));
        Assert.That(() => Idx.Write(path, NDArray.FromArray([0.5f]), IdxType.Int16), Throws.ArgumentException);
        Assert.That(Directory.GetFiles(_dir.Path), Is.Empty);
    }

    /// <summary>Readable only forwards, with no Length: as a network or pipe stream.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 4096));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
