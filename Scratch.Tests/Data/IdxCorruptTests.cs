using Scratch.Data;

namespace Scratch.Tests.Data;

public class IdxCorruptTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private static readonly byte[] Good = IdxBytes.File(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);

    /// <summary>Reads <paramref name="bytes"/> saved as <paramref name="name"/> and returns the error message.</summary>
    private string Fails(string name, byte[] bytes)
    {
        string path = _dir.Write(name, bytes);
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Read(path));
        Assert.That(ex!.Message, Does.StartWith($"Idx.Read: {name}: "));
        return ex.Message;
    }

    [Test]
    public void Read_TruncatedBody_Raw_SaysHowMuchIsThere()
    {
        byte[] header = IdxBytes.File(0x08, [60000, 28, 28], new byte[1024]);
        Assert.That(Fails("train-images-idx3-ubyte", header), Is.EqualTo(
            "Idx.Read: train-images-idx3-ubyte: truncated: header says 60000×28×28 u8 (47040000 bytes), the file has 1024 after the 16-byte header."));
    }

    [Test]
    public void Read_TruncatedBody_Gzip()
    {
        // 60 of 6·4 = 24 i32 bytes missing: within the gzip ratio bound, so found while reading.
        byte[] raw = IdxBytes.File(0x0C, [2, 3], new byte[20]);
        Assert.That(Fails("short.gz", IdxBytes.Gzip(raw)), Does.Contain("truncated: header says 2×3 i32 (24 bytes), the data ends after 20."));
    }

    [Test]
    public void Read_TruncatedBody_NonSeekableStream()
    {
        byte[] bytes = Good[..^2];
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Read(new NonSeekable(bytes), "pipe"));
        Assert.That(ex!.Message, Is.EqualTo("Idx.Read: pipe: truncated: header says 2×3 u8 (6 bytes), the data ends after 4."));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(3)]
    public void Read_TruncatedMagic(int length) =>
        Assert.That(Fails("tiny", Good[..length]), Does.Contain($"truncated header: {length} of the 4 magic-number bytes."));

    [Test]
    public void Read_TruncatedDimensions()
    {
        Assert.That(Fails("dims", Good[..9]), Does.Contain("truncated header: rank 2 needs 8 bytes of dimensions, the file has 5."));
        Assert.That(Fails("dims.gz", IdxBytes.Gzip(Good[..9])), Does.Contain("truncated header"));
    }

    [TestCase((byte)0x01, (byte)0x00)]
    [TestCase((byte)0x00, (byte)0x08)]
    [TestCase((byte)0x50, (byte)0x4B)]   // a zip file
    public void Read_WrongMagic(byte first, byte second)
    {
        byte[] bytes = (byte[])Good.Clone();
        bytes[0] = first;
        bytes[1] = second;
        Assert.That(Fails("magic", bytes), Does.Contain($"not an IDX file: the magic number starts 0x{first:X2} 0x{second:X2}"));
    }

    [TestCase((byte)0x00)]
    [TestCase((byte)0x0A)]
    [TestCase((byte)0x0F)]
    [TestCase((byte)0xFF)]
    public void Read_UnknownTypeCode(byte code)
    {
        byte[] bytes = (byte[])Good.Clone();
        bytes[2] = code;
        Assert.That(Fails("type", bytes), Does.Contain($"unknown type code 0x{code:X2}"));
    }

    [TestCase((byte)0)]
    [TestCase((byte)9)]
    [TestCase((byte)255)]
    public void Read_RankOutOfRange(byte rank)
    {
        byte[] bytes = [0, 0, 0x08, rank, .. new byte[64]];
        Assert.That(Fails("rank", bytes), Does.Contain($"rank {rank} is out of range (1 to 8)."));
    }

    [Test]
    public void Read_DimensionsLargerThanTheData()
    {
        byte[] bytes = IdxBytes.File(0x0D, [10, 10], new byte[4 * 99]);   // f32: one value short
        Assert.That(Fails("f32", bytes), Does.Contain("truncated: header says 10×10 f32 (400 bytes), the file has 396 after the 12-byte header."));
        Assert.That(Fails("f32.gz", IdxBytes.Gzip(bytes)), Does.Contain("truncated: header says 10×10 f32 (400 bytes), the data ends after 396."));
    }

    [Test]
    public void Read_ZeroDimensionAfterAHugeOne_IsTooLargeForAnNDArray()
    {
        // 2 × 1083965440 × 0 holds no values, but NDArray refuses a shape whose leading product exceeds an array (found by fuzzing).
        byte[] raw = IdxBytes.File(0x08, [2, 1083965440, 0], []);
        Assert.That(Fails("empty", raw), Does.Contain("too large: header says 2×1083965440×0 u8 (0 bytes)"));
        Assert.That(Fails("empty.gz", IdxBytes.Gzip(raw)), Does.Contain("too large"));
    }

    [Test]
    public void Read_GzipFromAPipe_ClaimingMoreThanItHolds_AllocatesLittle()
    {
        // 1000 × 1000 u8 claimed, 100 bytes present: the reader grows its buffer as data arrives (found by fuzzing: it reserved 4 MiB up front).
        byte[] gz = IdxBytes.Gzip(IdxBytes.File(0x08, [1000, 1000], new byte[100]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Read(new NonSeekable(gz), "pipe.gz"));
        Assert.That(ex!.Message, Does.Contain("truncated: header says 1000×1000 u8 (1000000 bytes), the data ends after 100."));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(256 << 10), "bytes allocated");
    }

    [Test]
    public void Read_HeaderClaimingExabytes_FailsFastWithoutAllocating()
    {
        byte[] raw = IdxBytes.File(0x0E, [0xFFFFFFFF, 0xFFFFFFFF], new byte[64]);
        string says = "header says 4294967295×4294967295 f64 (147573952520956936200 bytes)";
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Multiple(() =>
        {
            Assert.That(Fails("huge", raw), Does.Contain($"truncated: {says}, the file has 64 after the 12-byte header."));
            byte[] gz = IdxBytes.Gzip(raw);
            Assert.That(Fails("huge.gz", gz), Does.Contain($"truncated: {says}, more than a {gz.Length}-byte gzip file can hold."));
            // No length to check against: the element count alone rejects it.
            var ex = Assert.Throws<InvalidDataException>(() => Idx.Read(new NonSeekable(raw), "huge-pipe"));
            Assert.That(ex!.Message, Does.Contain($"too large: {says}; a dimension of 4294967295 does not fit an NDArray."));
        });
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(4 << 20), "bytes allocated");
    }

    [Test]
    public void Read_HeaderClaimingMoreThanAnArrayHolds_NonSeekable()
    {
        // 65536 × 65536 u8: each dimension fits an int, the count (2³²) does not fit an array.
        byte[] raw = IdxBytes.File(0x08, [65536, 65536], new byte[16]);
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Read(new NonSeekable(raw), "wide"));
        Assert.That(ex!.Message, Does.StartWith("Idx.Read: wide: too large: header says 65536×65536 u8 (4294967296 bytes), more than the"));
    }

    [Test]
    public void Read_GzipClaimingMoreThanItHolds_GrowsOnlyWithTheData()
    {
        // 200 MB claimed, 200 kB of random (incompressible) bytes present: the claim stays within the gzip ratio
        // bound for a file of this size, so only reading shows the lie; the reader must not allocate the full claim.
        var present = new byte[200_000];
        new Random(1).NextBytes(present);
        byte[] raw = IdxBytes.File(0x08, [200_000_000], present);
        byte[] gz = IdxBytes.Gzip(raw);
        Assert.That((long)gz.Length * 1032, Is.GreaterThan(200_000_000L), "the claim must pass the ratio bound");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(Fails("random.gz", gz), Does.Contain("truncated: header says 200000000 u8 (200000000 bytes), the data ends after 200000."));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(64L << 20), "bytes allocated");
    }

    [Test]
    public void Read_TrailingGarbage()
    {
        byte[] bytes = [.. Good, 0xDE, 0xAD];
        Assert.That(Fails("trailing", bytes), Does.Contain("2 trailing bytes: header says 2×3 u8 (6 bytes), the file has 8 after the 12-byte header."));
        Assert.That(Fails("trailing.gz", IdxBytes.Gzip(bytes)), Does.Contain("trailing bytes: header says 2×3 u8 (6 bytes)"));
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Read(new NonSeekable(bytes), "pipe"));
        Assert.That(ex!.Message, Does.Contain("trailing bytes"));
    }

    [Test]
    public void Read_CorruptGzip()
    {
        byte[] raw = IdxBytes.File(0x08, [100, 100], Enumerable.Range(0, 10000).Select(i => (byte)(i * 31 % 253)).ToArray());
        byte[] gz = IdxBytes.Gzip(raw);
        for (int at = 10; at < gz.Length - 8; at += 7)    // flip bits across the deflate data
        {
            byte[] bad = (byte[])gz.Clone();
            bad[at] ^= 0x5A;
            string path = _dir.Write("bad.gz", bad);
            try
            {
                var x = Idx.Read(path);
                Assert.Fail($"at={at}: a corrupt gzip read as {x.Size} values");
            }
            catch (InvalidDataException e)
            {
                Assert.That(e.Message, Does.StartWith("Idx.Read: bad.gz: "), $"at={at}");
            }
        }
    }

    [Test]
    public void Read_CorruptGzip_SaysSo()
    {
        byte[] gz = IdxBytes.Gzip(Good);
        gz[10] = 0xFF;   // first deflate block header: BTYPE = 3, reserved
        Assert.That(Fails("reserved.gz", gz), Does.Contain("corrupt gzip data"));
    }

    [Test]
    public void Read_TruncatedGzipFile_LosingData_Fails()
    {
        byte[] raw = IdxBytes.File(0x08, [100, 100], Enumerable.Range(0, 10000).Select(i => (byte)(i * 31 % 253)).ToArray());
        byte[] gz = IdxBytes.Gzip(raw);
        foreach (int keep in new[] { 2, 5, 10, 12, 20, gz.Length / 2, gz.Length - 9 })
            Assert.That(Fails("cut.gz", gz[..keep]), Does.Contain("truncated").Or.Contain("corrupt"), $"keep={keep}");
    }

    [Test]
    public void Read_GzipCutInsideItsTrailer_StillGivesTheCompleteData()
    {
        // Known limit: .NET's GZipStream ends quietly when the input stops inside the 8-byte CRC-32/ISIZE
        // trailer, so the CRC goes unchecked. Every value is still there (the deflate data ended and the
        // IDX length matched), so nothing wrong is returned.
        byte[] raw = IdxBytes.File(0x08, [100, 100], Enumerable.Range(0, 10000).Select(i => (byte)(i * 31 % 253)).ToArray());
        byte[] gz = IdxBytes.Gzip(raw);
        for (int keep = gz.Length - 8; keep < gz.Length; keep++)
            Assert.That(Idx.Read(_dir.Write("cut.gz", gz[..keep])).ToArray(), Is.EqualTo(raw[12..].Select(b => (float)b).ToArray()), $"keep={keep}");
    }

    [Test]
    public void Read_MissingFile_ThrowsFileNotFound() =>
        Assert.That(() => Idx.Read(Path.Combine(_dir.Path, "nope")), Throws.TypeOf<FileNotFoundException>());

    private sealed class NonSeekable(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
