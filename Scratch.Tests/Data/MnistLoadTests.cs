using Scratch.Data;
using Scratch.Tensors;

namespace Scratch.Tests.Data;

public class MnistLoadTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    // Image k of a set is filled with the byte (k·10 + base) and has label (k + base) % 10.
    private static (byte[] Images, byte[] Labels) Set(int n, int h, int w, int @base)
    {
        var pixels = new byte[n * h * w];
        var labels = new byte[n];
        for (int k = 0; k < n; k++)
        {
            pixels.AsSpan(k * h * w, h * w).Fill((byte)(k * 10 + @base));
            labels[k] = (byte)((k + @base) % 10);
        }
        return (IdxBytes.File(0x08, [(uint)n, (uint)h, (uint)w], pixels), IdxBytes.File(0x08, [(uint)n], labels));
    }

    private void WriteAll(bool gzip, int h = 28, int w = 28, int nTrain = 5, int nTest = 3)
    {
        byte[] Maybe(byte[] b) => gzip ? IdxBytes.Gzip(b) : b;
        string ext = gzip ? ".gz" : "";
        var (trI, trL) = Set(nTrain, h, w, 1);
        var (teI, teL) = Set(nTest, h, w, 2);
        _dir.Write(Mnist.TrainImages + ext, Maybe(trI));
        _dir.Write(Mnist.TrainLabels + ext, Maybe(trL));
        _dir.Write(Mnist.TestImages + ext, Maybe(teI));
        _dir.Write(Mnist.TestLabels + ext, Maybe(teL));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Load_Defaults_FlatNormalizedIndexLabels(bool gzip)
    {
        WriteAll(gzip);
        var ((xTrain, tTrain), (xTest, tTest)) = Mnist.Load(_dir.Path);
        Assert.Multiple(() =>
        {
            Assert.That(xTrain.Shape, Is.EqualTo(new[] { 5, 784 }));
            Assert.That(tTrain.Shape, Is.EqualTo(new[] { 5 }));
            Assert.That(xTest.Shape, Is.EqualTo(new[] { 3, 784 }));
            Assert.That(tTest.Shape, Is.EqualTo(new[] { 3 }));
            Assert.That(xTrain[4, 783], Is.EqualTo(41f / 255f));
            Assert.That(xTest[2, 0], Is.EqualTo(22f / 255f));
            Assert.That(tTrain.ToArray(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5 }));
            Assert.That(tTest.ToArray(), Is.EqualTo(new float[] { 2, 3, 4 }));
        });
    }

    [Test]
    public void Load_RawUnflattenedOneHot()
    {
        WriteAll(gzip: true);
        var ((xTrain, tTrain), (xTest, tTest)) = Mnist.Load(_dir.Path, normalize: false, flatten: false, oneHotLabel: true);
        Assert.Multiple(() =>
        {
            Assert.That(xTrain.Shape, Is.EqualTo(new[] { 5, 1, 28, 28 }));
            Assert.That(xTest.Shape, Is.EqualTo(new[] { 3, 1, 28, 28 }));
            Assert.That(xTrain[1, 0, 27, 27], Is.EqualTo(11f));
            Assert.That(tTrain.Shape, Is.EqualTo(new[] { 5, 10 }));
            Assert.That(tTest.At(0).ToArray(), Is.EqualTo(new float[] { 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 }));
        });
    }

    [Test]
    public void Load_AnyImageSize_FromTheHeader()
    {
        WriteAll(gzip: false, h: 3, w: 5);
        var ((xTrain, _), (xTest, _)) = Mnist.Load(_dir.Path, flatten: false);
        Assert.That(xTrain.Shape, Is.EqualTo(new[] { 5, 1, 3, 5 }));
        Assert.That(Mnist.Load(_dir.Path).Test.X.Shape, Is.EqualTo(new[] { 3, 15 }));
        Assert.That(xTest.Shape, Is.EqualTo(new[] { 3, 1, 3, 5 }));
    }

    [Test]
    public void Load_MixedRawAndGzip()
    {
        WriteAll(gzip: true);
        File.Move(Path.Combine(_dir.Path, Mnist.TestLabels + ".gz"), Path.Combine(_dir.Path, "x"));
        _dir.Write(Mnist.TestLabels, Set(3, 28, 28, 2).Labels);
        Assert.That(Mnist.Load(_dir.Path).Test.T.ToArray(), Is.EqualTo(new float[] { 2, 3, 4 }));
    }

    [Test]
    public void Load_MissingFile_NamesTheFileAndTheDirectory()
    {
        WriteAll(gzip: true);
        File.Delete(Path.Combine(_dir.Path, Mnist.TestImages + ".gz"));
        var ex = Assert.Throws<FileNotFoundException>(() => Mnist.Load(_dir.Path));
        Assert.That(ex!.Message, Is.EqualTo($"Mnist.Load: neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz is in directory '{_dir.Path}'."));
        Assert.That(ex.FileName, Is.EqualTo(Path.Combine(_dir.Path, Mnist.TestImages)));
    }

    [Test]
    public void Load_MissingDirectory() =>
        Assert.That(() => Mnist.Load(Path.Combine(_dir.Path, "absent")),
            Throws.TypeOf<DirectoryNotFoundException>().With.Message.Contains("absent"));

    [Test]
    public void Load_CountsDiffer_InvalidData()
    {
        WriteAll(gzip: false);
        _dir.Write(Mnist.TrainLabels, Set(4, 28, 28, 1).Labels);
        Assert.That(() => Mnist.Load(_dir.Path), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo(
            "Mnist: train-images-idx3-ubyte has 5 images but train-labels-idx1-ubyte has 4 labels."));
    }

    [Test]
    public void Load_ImagesOfWrongRank_InvalidData()
    {
        WriteAll(gzip: false);
        _dir.Write(Mnist.TestImages, IdxBytes.File(0x08, [3, 784], new byte[3 * 784]));
        Assert.That(() => Mnist.Load(_dir.Path), Throws.TypeOf<InvalidDataException>().With.Message.Contains("t10k-images-idx3-ubyte: expected images (N, H, W), got (3, 784)"));
    }

    [Test]
    public void Load_LabelOutOfRange_WithOneHot_InvalidData()
    {
        WriteAll(gzip: false);
        _dir.Write(Mnist.TestLabels, IdxBytes.File(0x08, [3], [1, 12, 3]));
        Assert.That(Mnist.Load(_dir.Path).Test.T.ToArray(), Is.EqualTo(new float[] { 1, 12, 3 }), "index labels pass through");
        Assert.That(() => Mnist.Load(_dir.Path, oneHotLabel: true), Throws.TypeOf<InvalidDataException>().With.Message.Contains("label 1 is 12"));
    }

    [Test]
    public void Load_CorruptFile_InvalidDataNamingIt()
    {
        WriteAll(gzip: true);
        byte[] bad = File.ReadAllBytes(Path.Combine(_dir.Path, Mnist.TrainImages + ".gz"))[..40];
        _dir.Write(Mnist.TrainImages + ".gz", bad);
        Assert.That(() => Mnist.Load(_dir.Path), Throws.TypeOf<InvalidDataException>().With.Message.StartsWith("Idx.Read: train-images-idx3-ubyte.gz: "));
    }

    [Test]
    public void Load_WrittenByIdxWrite_RoundTrips()
    {
        var images = NDArray.FromArray(Enumerable.Range(0, 2 * 4 * 4).Select(i => (float)i).ToArray(), 2, 4, 4);
        var labels = NDArray.FromArray([7, 9]);
        foreach (string prefix in new[] { "train", "t10k" })
        {
            Idx.Write(Path.Combine(_dir.Path, $"{prefix}-images-idx3-ubyte.gz"), images);
            Idx.Write(Path.Combine(_dir.Path, $"{prefix}-labels-idx1-ubyte"), labels);
        }
        var ((x, t), _) = Mnist.Load(_dir.Path, normalize: false);
        Assert.That(x.ToArray(), Is.EqualTo(images.ToArray()));
        Assert.That(x.Shape, Is.EqualTo(new[] { 2, 16 }));
        Assert.That(t.ToArray(), Is.EqualTo(new float[] { 7, 9 }));
    }
}
