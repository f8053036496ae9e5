using System.IO.Compression;
using System.Security.Cryptography;
using Scratch.Data;
using Scratch.Tensors;

namespace Scratch.Tests.Data;

public class MnistEmbeddedTests
{
    // Pinned from the shipped resources (Scratch.Data/Resources), computed with Python's gzip + NumPy:
    // SHA-256 of the decompressed IDX files, and sums of the raw byte values.
    private const string ImagesIdxSha256 = "95b6f3978a53d97feb09d776ce78f509f3a598559aebef45504b0a2e20584b77";
    private const string LabelsIdxSha256 = "f31925c3214ec2baf398ea4abd180b70617b56fe071b663ed494875240960e78";
    private const long PixelSumAll = 262146600, PixelSumTrain = 209293928, PixelSumTest = 52852672;
    private const long LabelSumAll = 44368, LabelSumTrain = 35449;

    [Test]
    public void Resources_DecompressToThePinnedIdxBytes()
    {
        var assembly = typeof(Mnist).Assembly;
        foreach (var (name, sha) in new[] { ("Scratch.Data.mnist10k-images-idx3-ubyte.gz", ImagesIdxSha256), ("Scratch.Data.mnist10k-labels-idx1-ubyte.gz", LabelsIdxSha256) })
        {
            using Stream resource = assembly.GetManifestResourceStream(name) ?? throw new AssertionException($"{name} is not embedded");
            using var gzip = new GZipStream(resource, CompressionMode.Decompress);
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(gzip)), Is.EqualTo(sha), name);
        }
    }

    [Test]
    public void LoadEmbedded_Defaults_ShapesAndRange()
    {
        var ((xTrain, tTrain), (xTest, tTest)) = Mnist.LoadEmbedded();
        Assert.Multiple(() =>
        {
            Assert.That(xTrain.Shape, Is.EqualTo(new[] { 8000, 784 }));
            Assert.That(tTrain.Shape, Is.EqualTo(new[] { 8000 }));
            Assert.That(xTest.Shape, Is.EqualTo(new[] { 2000, 784 }));
            Assert.That(tTest.Shape, Is.EqualTo(new[] { 2000 }));
            Assert.That(xTrain.Min().Item(), Is.EqualTo(0f));
            Assert.That(xTrain.Max().Item(), Is.EqualTo(1f));
            Assert.That(xTest.Min().Item(), Is.GreaterThanOrEqualTo(0f));
            Assert.That(xTest.Max().Item(), Is.LessThanOrEqualTo(1f));
        });
    }

    [Test]
    public void LoadEmbedded_Raw_MatchesThePinnedSums()
    {
        var ((xTrain, tTrain), (xTest, tTest)) = Mnist.LoadEmbedded(normalize: false);
        long Sum(NDArray a) => a.ToArray().Sum(v => (long)v);
        Assert.Multiple(() =>
        {
            Assert.That(xTrain.ToArray().All(v => v == MathF.Floor(v) && v is >= 0 and <= 255), Is.True, "raw pixels are bytes");
            Assert.That(Sum(xTrain), Is.EqualTo(PixelSumTrain));
            Assert.That(Sum(xTest), Is.EqualTo(PixelSumTest));
            Assert.That(Sum(xTrain) + Sum(xTest), Is.EqualTo(PixelSumAll));
            Assert.That(Sum(tTrain), Is.EqualTo(LabelSumTrain));
            Assert.That(Sum(tTrain) + Sum(tTest), Is.EqualTo(LabelSumAll));
            Assert.That(tTrain.ToArray()[..10], Is.EqualTo(new float[] { 8, 0, 2, 0, 0, 0, 9, 6, 4, 1 }));
            Assert.That(tTest.ToArray()[^5..], Is.EqualTo(new float[] { 0, 6, 3, 8, 9 }));
        });
    }

    [Test]
    public void LoadEmbedded_Normalized_IsRawOver255()
    {
        var ((xRaw, _), _) = Mnist.LoadEmbedded(normalize: false);
        var ((x, _), _) = Mnist.LoadEmbedded();
        float[] raw = xRaw.At(0).ToArray(), scaled = x.At(0).ToArray();
        Assert.That(scaled, Is.EqualTo(raw.Select(v => v / 255f).ToArray()));
        Assert.That(raw.Sum(), Is.EqualTo(24984f), "pixel sum of the first digit (an 8)");
    }

    [Test]
    public void LoadEmbedded_ClassCounts_MatchTheReadme()
    {
        var ((_, tTrain), (_, tTest)) = Mnist.LoadEmbedded();
        var counts = new int[10];
        foreach (float t in tTrain.ToArray().Concat(tTest.ToArray()))
            counts[(int)t]++;
        Assert.That(counts, Is.EqualTo(new[] { 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 }));

        var testCounts = new int[10];
        foreach (float t in tTest.ToArray())
            testCounts[(int)t]++;
        Assert.That(testCounts, Is.EqualTo(new[] { 191, 214, 205, 227, 181, 178, 207, 208, 199, 190 }), "every class in the test part");
    }

    [Test]
    public void LoadEmbedded_OneHotAndUnflattened()
    {
        var ((x, t), (xTest, tTest)) = Mnist.LoadEmbedded(flatten: false, oneHotLabel: true);
        var ((xFlat, labels), _) = Mnist.LoadEmbedded();
        Assert.Multiple(() =>
        {
            Assert.That(x.Shape, Is.EqualTo(new[] { 8000, 1, 28, 28 }));
            Assert.That(xTest.Shape, Is.EqualTo(new[] { 2000, 1, 28, 28 }));
            Assert.That(t.Shape, Is.EqualTo(new[] { 8000, 10 }));
            Assert.That(tTest.Shape, Is.EqualTo(new[] { 2000, 10 }));
            Assert.That(x.ToArray(), Is.EqualTo(xFlat.ToArray()), "same pixels, other shape");
            Assert.That(t.Sum(axis: 1).ToArray(), Is.All.EqualTo(1f), "one 1 per row");
            Assert.That(t.ArgMax(axis: 1).ToArray(), Is.EqualTo(labels.ToArray()));
            Assert.That(x[0, 0, 14, 14], Is.EqualTo(xFlat[0, 14 * 28 + 14]));
        });
    }
}
