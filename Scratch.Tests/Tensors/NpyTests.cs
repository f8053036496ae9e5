using Scratch.Tensors;
using Scratch.Tests.Fuzz;

namespace Scratch.Tests.Tensors;

/// <summary>Files under TestData/npy were written by NumPy (see make.py there).</summary>
public class NpyTests
{
    private static string DataFile(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "npy", name);

    private string _dir = "";

    [SetUp]
    public void CreateTempDirectory() => _dir = Directory.CreateTempSubdirectory("scratch-npy-").FullName;

    [TearDown]
    public void DeleteTempDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Load_ReadsFilesWrittenByNumPy()
    {
        Assert.Multiple(() =>
        {
            var x = Npy.Load(DataFile("f4_2x3.npy"));
            Assert.That(x.Shape, Is.EqualTo(new[] { 2, 3 }));
            Assert.That(x.ToArray(), Is.EqualTo(new[] { 1.5f, -2f, 3.25f, 0f, 1e-3f, -7f }));
            Assert.That(Npy.Load(DataFile("f4_vector.npy")).ToArray(), Is.EqualTo(new float[] { 0, 1, 2, 3, 4 }));
            var scalar = Npy.Load(DataFile("f4_scalar.npy"));
            Assert.That(scalar.Rank, Is.Zero);
            Assert.That(scalar.Item(), Is.EqualTo(2.5f));
            var fortran = Npy.Load(DataFile("f4_fortran.npy"));
            Assert.That(fortran.Shape, Is.EqualTo(new[] { 2, 3 }));
            Assert.That(fortran.ToArray(), Is.EqualTo(new float[] { 0, 1, 2, 3, 4, 5 }));
            Assert.That(Npy.Load(DataFile("f4_bigendian.npy")).ToArray(), Is.EqualTo(new float[] { 0, 1, 2, 3 }));
            Assert.That(Npy.Load(DataFile("f4_empty.npy")).Shape, Is.EqualTo(new[] { 0, 3 }));
        });
    }

    [Test]
    public void Save_WritesTheSameBytesAsNumPy()
    {
        string path = Path.Combine(_dir, "out.npy");
        Npy.Save(path, NDArray.FromArray([1.5f, -2f, 3.25f, 0f, 1e-3f, -7f], 2, 3));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(File.ReadAllBytes(DataFile("f4_2x3.npy"))));
        Npy.Save(path, NDArray.Arange(5));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(File.ReadAllBytes(DataFile("f4_vector.npy"))));
    }

    [Test]
    public void SaveThenLoad_RoundTripsViewsAndScalars()
    {
        string path = Path.Combine(_dir, "view.npy");
        foreach (var x in new[] { Reference.Random(1, 7, 33).T, Reference.Random(2, 4, 10).Slice(1, 1, 9, 3), NDArray.Scalar(-3.5f), NDArray.Zeros(2, 0, 3) })
        {
            Npy.Save(path, x);
            var back = Npy.Load(path);
            Assert.That(back.Shape, Is.EqualTo(x.Shape));
            Assert.That(back.ToArray(), Is.EqualTo(x.ToArray()));
        }
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary files are left behind");
    }

    [Test]
    public void Load_RejectsOtherDtypesAndBrokenFiles_WithTheFileName()
    {
        string truncated = Path.Combine(_dir, "truncated.npy");
        File.WriteAllBytes(truncated, File.ReadAllBytes(DataFile("f4_2x3.npy"))[..140]);
        string garbage = Path.Combine(_dir, "garbage.npy");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        string shortHeader = Path.Combine(_dir, "short.npy");
        File.WriteAllBytes(shortHeader, File.ReadAllBytes(DataFile("f4_2x3.npy"))[..40]);
        Assert.Multiple(() =>
        {
            Assert.That(() => Npy.Load(DataFile("f8_2x2.npy")), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("f8_2x2.npy").And.Message.Contains("'<f8'"));
            Assert.That(() => Npy.Load(DataFile("i4_3.npy")), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("'<i4'"));
            Assert.That(() => Npy.Load(truncated), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("truncated.npy").And.Message.Contains("needs 24 data bytes"));
            Assert.That(() => Npy.Load(garbage), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("magic"));
            Assert.That(() => Npy.Load(shortHeader), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("truncated header"));
        });
    }

    [Test]
    public void Save_IntoAMissingDirectory_NamesTheTarget_NotTheTemporaryFile()
    {
        string path = Path.Combine(_dir, "missing", "out.npy");
        Assert.That(() => Npy.Save(path, NDArray.Arange(3)), Throws.InstanceOf<DirectoryNotFoundException>()
            .With.Message.EqualTo($"Npy.Save: cannot write {path}: the directory {Path.Combine(_dir, "missing")} does not exist."));
        string directory = Path.Combine(_dir, "a-directory.npy");
        Directory.CreateDirectory(directory);
        Assert.That(() => Npy.Save(directory, NDArray.Arange(3)), Throws.InstanceOf<IOException>()
            .With.Message.StartsWith($"Npy.Save: cannot write {directory}: ").And.Message.Not.Contains(".tmp"));
        Assert.That(Directory.GetFiles(_dir), Is.Empty, "no temporary file is left");
    }

    [Test]
    public void Load_FromAPipe_HeaderClaimingHundredsOfMegabytes_AllocatesOnlyWhatArrives()
    {
        // Found by fuzzing: with no length to check, the reader used to allocate the whole claimed array (here 400 MB) up front.
        var stream = new MemoryStream();
        Npy.Save(stream, NDArray.Arange(6));
        byte[] bytes = System.Text.Encoding.Latin1.GetBytes(System.Text.Encoding.Latin1.GetString(stream.ToArray()).Replace("(6,), ", "(100000000,), "));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(() => Npy.Load(new PipeStream(bytes), "pipe.npy"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("truncated data: shape (100000000,)"));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(256 << 10), "bytes allocated");
    }

    [Test]
    public void Load_HeaderLongerThanTheFile_IsTruncated()
    {
        byte[] bytes = File.ReadAllBytes(DataFile("f4_2x3.npy"));
        bytes[6] = 2;   // format 2.0 reads a 4-byte header length: 0x00000076 | data bytes → far beyond the file
        string path = Path.Combine(_dir, "long-header.npy");
        File.WriteAllBytes(path, bytes);
        Assert.That(() => Npy.Load(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("long-header.npy"));
    }
}
