using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

public class CheckpointTests
{
    private string _dir = "";

    [SetUp]
    public void CreateTempDirectory() => _dir = Directory.CreateTempSubdirectory("scratch-checkpoint-").FullName;

    [TearDown]
    public void DeleteTempDirectory() => Directory.Delete(_dir, recursive: true);

    private static MultiLayerNetExtend Network(uint seed) => new(6, [5, 4], 3, useBatchnorm: true, seed: seed);

    private static MultiLayerNetExtend Trained()
    {
        var network = Network(1);
        var x = NDArray.RandomNormal([8, 6], 0, 1, 2);
        var t = NDArray.FromArray([0f, 1, 2, 0, 1, 2, 0, 1]);
        var optimizer = new Adam(0.01f);
        for (int step = 0; step < 5; step++)
        {
            network.Gradient(x, t);
            optimizer.Update(network.Parameters);
        }
        return network;
    }

    /// <summary>Every array a checkpoint holds, by key, as raw float bits (so NaN payloads and −0 compare exactly).</summary>
    private static Dictionary<string, int[]> Bits(Sequential network)
    {
        var bits = network.Params.ToDictionary(p => p.Key, p => p.Value.Value.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray());
        int k = 0;
        foreach (IRunningStatistics bn in network.Layers.OfType<IRunningStatistics>())
        {
            k++;
            bits[$"RunningMean{k}"] = bn.RunningMean?.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray() ?? [];   // null before the first Forward
            bits[$"RunningVar{k}"] = bn.RunningVar?.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray() ?? [];
        }
        return bits;
    }

    /// <summary>Gives every parameter and running statistic random values, so a reload cannot pass by matching the initial ones.</summary>
    private static T Randomized<T>(T network, uint seed) where T : Sequential
    {
        foreach (var p in network.Parameters)
            p.Value.CopyFrom(NDArray.RandomNormal(p.Value.Shape, 0, 0.5, seed++));
        foreach (IRunningStatistics bn in network.Layers.OfType<IRunningStatistics>())
        {
            bn.RunningMean = NDArray.RandomNormal(bn.Gamma.Value.Shape, 0, 1, seed++);
            bn.RunningVar = NDArray.RandomUniform(bn.Gamma.Value.Shape, 0.5, 2, seed++);
        }
        return network;
    }

    // ---- .npz -----------------------------------------------------------------------------------

    [Test]
    public void SaveThenLoad_RestoresParametersAndRunningStatistics()
    {
        var trained = Trained();
        string path = Path.Combine(_dir, "net.npz");
        Checkpoint.Save(path, trained);

        var restored = Network(99);   // other initial weights, no running statistics yet
        Checkpoint.Load(path, restored);
        var x = NDArray.RandomNormal([4, 6], 0, 1, 3);
        Assert.Multiple(() =>
        {
            Assert.That(restored.Predict(x).ToArray(), Is.EqualTo(trained.Predict(x).ToArray()), "test-mode predictions use the running statistics");
            foreach (var (key, p) in trained.Params)
                Assert.That(restored.Params[key].Value.ToArray(), Is.EqualTo(p.Value.ToArray()), key);
            Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }), "no temporary file is left");
        });
    }

    [Test]
    public void Archive_IsANumPyNpz_WithOneArrayPerKey()
    {
        string path = Path.Combine(_dir, "net.npz");
        Checkpoint.Save(path, Trained());
        using var archive = ZipFile.OpenRead(path);
        Assert.That(archive.Entries.Select(e => e.FullName), Is.EquivalentTo(new[]
        {
            "W1.npy", "b1.npy", "gamma1.npy", "beta1.npy", "W2.npy", "b2.npy", "gamma2.npy", "beta2.npy", "W3.npy", "b3.npy",
            "RunningMean1.npy", "RunningVar1.npy", "RunningMean2.npy", "RunningVar2.npy",
        }));
        using Stream w1 = archive.GetEntry("W1.npy")!.Open();
        Assert.That(Npy.Load(w1, "W1.npy").Shape, Is.EqualTo(new[] { 6, 5 }));
    }

    [TestCase("net.npz")]
    [TestCase("net.safetensors")]
    public void Load_OfOtherArchitectureOrCorruptFile_ThrowsAndLeavesTheNetworkUnchanged(string file)
    {
        string path = Path.Combine(_dir, file);
        Checkpoint.Save(path, Trained());
        var other = new MultiLayerNetExtend(6, [7, 4], 3, useBatchnorm: true);
        var before = Bits(other);
        string corrupt = Path.Combine(_dir, "corrupt" + Path.GetExtension(file));
        File.WriteAllBytes(corrupt, File.ReadAllBytes(path)[..200]);
        var plain = new TwoLayerNet(6, 5, 3);
        var plainBefore = Bits(plain);
        Assert.Multiple(() =>
        {
            Assert.That(() => Checkpoint.Load(path, other), Throws.InstanceOf<InvalidDataException>()
                .With.Message.Contains(file).And.Message.Contains("'W1' has shape (6, 5), the network expects (6, 7)"));
            Assert.That(Bits(other), Is.EqualTo(before));
            Assert.That(() => Checkpoint.Load(corrupt, Network(1)), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("corrupt"));
            Assert.That(() => Checkpoint.Load(path, plain), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("gamma1"));
            Assert.That(Bits(plain), Is.EqualTo(plainBefore));
        });
    }

    [Test]
    public void Load_Npz_RejectsEveryBitFlipInW1sCompressedData_NeverLoadsWrongWeights()
    {
        var saved = Randomized(new TwoLayerNet(20, 16, 10, seed: 1), 5);
        string path = Path.Combine(_dir, "net.npz");
        Checkpoint.Save(path, saved);
        byte[] good = File.ReadAllBytes(path);
        var (start, length) = ZipEntryData(good, "W1.npy");
        var expected = Bits(saved);
        var random = new Random(8);
        int rejected = 0, identical = 0, byCrc = 0;
        for (int trial = 0; trial < 256; trial++)
        {
            byte[] bytes = (byte[])good.Clone();
            int at = start + random.Next(length), bit = random.Next(8);
            bytes[at] ^= (byte)(1 << bit);
            string flipped = Path.Combine(_dir, "flipped.npz");
            File.WriteAllBytes(flipped, bytes);
            var network = new TwoLayerNet(20, 16, 10, seed: 2);
            var before = Bits(network);
            try
            {
                Checkpoint.Load(flipped, network);
                Assert.That(Bits(network), Is.EqualTo(expected), $"byte {at} bit {bit}: loaded without error, so the weights must be the saved ones");
                identical++;
            }
            catch (InvalidDataException e)
            {
                Assert.That(e.Message, Does.Contain("flipped.npz").And.Contain("W1.npy"), $"byte {at} bit {bit}");
                Assert.That(Bits(network), Is.EqualTo(before), $"byte {at} bit {bit}: a rejected file leaves the network unchanged");
                rejected++;
                if (e.Message.Contains("CRC-32")) byCrc++;
            }
        }
        Assert.That(rejected + identical, Is.EqualTo(256));
        Assert.That(rejected, Is.GreaterThan(200), "nearly every flip inside compressed data changes the data, and the CRC-32 sees it");
        TestContext.Out.WriteLine($"{rejected} of 256 flips rejected ({byCrc} by the CRC-32 check, the others as bad deflate data or sizes), {identical} loaded the saved weights");
    }

    [Test]
    public void Load_Npz_EntryWhoseDataDoesNotMatchItsCrc_NamesTheEntry()
    {
        // A stored (uncompressed) W1.npy whose data changed but whose header kept the old CRC: only the CRC check can see it.
        var saved = Randomized(new TwoLayerNet(4, 3, 2), 1);
        string path = Path.Combine(_dir, "stored.npz");
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
            foreach (var (key, p) in saved.Params)
            {
                using Stream entry = archive.CreateEntry(key + ".npy", CompressionLevel.NoCompression).Open();
                Npy.Save(entry, p.Value);
            }
        byte[] bytes = File.ReadAllBytes(path);
        var (start, length) = ZipEntryData(bytes, "W1.npy");
        bytes[start + length - 1] ^= 0x01;   // last byte of W1's last float
        File.WriteAllBytes(path, bytes);
        Assert.That(() => Checkpoint.Load(path, new TwoLayerNet(4, 3, 2)), Throws.InstanceOf<InvalidDataException>()
            .With.Message.Contains("stored.npz").And.Message.Contains("'W1.npy'").And.Message.Contains("CRC-32"));
    }

    /// <summary>Where an entry's (compressed) data lies in a zip file, from its central directory record and local header.</summary>
    private static (int Start, int Length) ZipEntryData(byte[] zip, string name)
    {
        for (int i = 0; i + 46 <= zip.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i)) != 0x02014b50) continue;   // central directory file header
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 28));
            if (System.Text.Encoding.UTF8.GetString(zip, i + 46, nameLength) != name) continue;
            int compressed = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i + 20));
            int local = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i + 42));
            int start = local + 30 + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(local + 26)) + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(local + 28));
            return (start, compressed);
        }
        throw new AssertionException($"no central directory record for {name}");
    }

    // ---- both formats: every network kind -------------------------------------------------------

    private static IEnumerable<TestCaseData> EveryNetworkKind()
    {
        var networks = new (string Name, Func<Sequential> Make, int[] Input)[]
        {
            ("TwoLayerNet", () => new TwoLayerNet(12, 7, 4, activation: Activation.Sigmoid, seed: 3), [5, 12]),
            ("MultiLayerNet", () => new MultiLayerNet(12, [9, 8], 4, Activation.Tanh, WeightInit.Std(0.1), weightDecayLambda: 0.1f, seed: 3), [5, 12]),
            ("MultiLayerNetExtend", () => new MultiLayerNetExtend(12, [9, 8], 4, weightInit: WeightInit.Xavier, useDropout: true, dropoutRatio: 0.15f,
                useBatchnorm: true, semantics: Semantics.Book, seed: 3), [5, 12]),
            ("SimpleConvNet", () => new SimpleConvNet([2, 8, 8], filterNum: 3, filterSize: 3, pad: 1, hiddenSize: 6, outputSize: 4, useBatchnorm: true, seed: 3), [5, 2, 8, 8]),
            ("SimpleConvNet book BN", () => new SimpleConvNet([1, 7, 7], filterNum: 2, filterSize: 2, stride: 1, hiddenSize: 5, outputSize: 3,
                weightInit: WeightInit.He, useBatchnorm: true, semantics: Semantics.Book, seed: 3), [5, 1, 7, 7]),
            ("DeepConvNet", () => new DeepConvNet([1, 12, 12], hiddenSize: 10, outputSize: 4, dropoutRatio: 0.25f, seed: 3), [5, 1, 12, 12]),
        };
        foreach (string extension in new[] { ".npz", ".safetensors" })
            foreach (var (name, make, input) in networks)
                yield return new TestCaseData(make, input, extension).SetArgDisplayNames(name, extension);
    }

    [TestCaseSource(nameof(EveryNetworkKind))]
    public void SaveThenLoad_EveryNetworkKind_BitIdenticalParametersAndPredictions(Func<Sequential> make, int[] input, string extension)
    {
        var saved = Randomized(make(), 11);
        string path = Path.Combine(_dir, "net" + extension);
        Checkpoint.Save(path, saved);
        var x = NDArray.RandomNormal(input, 0, 1, 12);
        float[] expected = saved.Predict(x).ToArray();

        var into = make();   // same architecture, the constructor's weights
        Checkpoint.Load(path, into);
        Assert.Multiple(() =>
        {
            Assert.That(Bits(into), Is.EqualTo(Bits(saved)), "Load(path, network)");
            Assert.That(into.Predict(x).ToArray(), Is.EqualTo(expected), "predictions after Load(path, network)");
            Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }), "no temporary file is left");
        });
        if (extension != ".safetensors") return;

        Sequential rebuilt = Checkpoint.Load(path);   // from the file alone
        Assert.Multiple(() =>
        {
            Assert.That(rebuilt.GetType(), Is.EqualTo(saved.GetType()));
            Assert.That(((IDescribedNetwork)rebuilt).Description.Arguments, Is.EqualTo(((IDescribedNetwork)saved).Description.Arguments));
            Assert.That(rebuilt.WeightDecayLambda, Is.EqualTo(saved.WeightDecayLambda));
            Assert.That(rebuilt.Layers.Select(l => l.GetType()), Is.EqualTo(saved.Layers.Select(l => l.GetType())));
            Assert.That(Bits(rebuilt), Is.EqualTo(Bits(saved)), "Load(path)");
            Assert.That(rebuilt.Predict(x).ToArray(), Is.EqualTo(expected), "predictions after Load(path)");
        });
    }

    [TestCase(BatchNormConvention.Book, 0f, ".npz")]
    [TestCase(BatchNormConvention.Book, 0f, ".safetensors")]
    [TestCase(BatchNormConvention.PyTorch, 1f, ".npz")]
    [TestCase(BatchNormConvention.PyTorch, 1f, ".safetensors")]
    public void Save_BatchNormsBeforeTheirFirstForward_SaveTheStatisticsTheyStartFrom(BatchNormConvention convention, float startingVariance, string extension)
    {
        Sequential Make() => new(
        [
            new BatchNormalization(NDArray.Ones(3), NDArray.Zeros(3), convention: convention),
            new BatchNormalization2d(NDArray.Ones(2), NDArray.Zeros(2), convention: convention),
        ], new SoftmaxWithLoss());
        var unrun = Make();
        string path = Path.Combine(_dir, "unrun" + extension);
        Checkpoint.Save(path, unrun);

        var loaded = Randomized(Make(), 5);
        Checkpoint.Load(path, loaded);
        var statistics = loaded.Layers.OfType<IRunningStatistics>().ToList();
        var started = Make();
        started.Layers[0].Forward(NDArray.Ones(1, 3));   // the statistics a layer makes at its first (test-mode) Forward
        started.Layers[1].Forward(NDArray.Ones(1, 2, 1, 1));
        var expected = started.Layers.OfType<IRunningStatistics>().ToList();
        Assert.Multiple(() =>
        {
            for (int k = 0; k < 2; k++)
            {
                Assert.That(statistics[k].RunningMean!.ToArray(), Is.All.EqualTo(0f), $"RunningMean{k + 1}");
                Assert.That(statistics[k].RunningVar!.ToArray(), Is.All.EqualTo(startingVariance), $"RunningVar{k + 1}");
                Assert.That(statistics[k].RunningVar!.ToArray(), Is.EqualTo(expected[k].RunningVar!.ToArray()), $"RunningVar{k + 1} as the first Forward makes it");
            }
        });
    }

    [TestCase(".npz")]
    [TestCase(".safetensors")]
    public void SaveThenLoad_KeepsTheExactBitsOfSpecialValues(string extension)
    {
        var saved = new TwoLayerNet(2, 3, 2);
        float[] special = [float.NaN, -0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.MaxValue];
        saved.Params["W1"].Value.CopyFrom(NDArray.FromArray(special, 2, 3));
        string path = Path.Combine(_dir, "special" + extension);
        Checkpoint.Save(path, saved);
        var loaded = new TwoLayerNet(2, 3, 2);
        Checkpoint.Load(path, loaded);
        Assert.That(Bits(loaded), Is.EqualTo(Bits(saved)));
    }

    [Test]
    public void Save_UnknownExtension_ThrowsNamingThePath()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => Checkpoint.Save(Path.Combine(_dir, "net.pt"), new TwoLayerNet(2, 2, 2)),
                Throws.ArgumentException.With.Message.Contains("net.pt").And.Message.Contains(".npz or .safetensors"));
            Assert.That(() => Checkpoint.Load(Path.Combine(_dir, "net"), new TwoLayerNet(2, 2, 2)), Throws.ArgumentException.With.Message.Contains("use .npz or .safetensors"));
            Assert.That(Directory.GetFiles(_dir), Is.Empty);
        });
    }

    // ---- safetensors ----------------------------------------------------------------------------

    [Test]
    public void Safetensors_Layout_FollowsTheSpecification()
    {
        var saved = Randomized(Network(1), 3);
        string path = Path.Combine(_dir, "net.safetensors");
        Checkpoint.Save(path, saved);
        byte[] bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        var tensors = header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__").ToList();
        var metadata = header.RootElement.GetProperty("__metadata__");
        Assert.Multiple(() =>
        {
            Assert.That((8 + n) % 8, Is.Zero, "the data starts 8-byte aligned");
            Assert.That(metadata.GetProperty("network").GetString(), Is.EqualTo("MultiLayerNetExtend"));
            Assert.That(metadata.GetProperty("args").GetString(), Is.EqualTo(saved.Description.Arguments));
            Assert.That(tensors.Select(t => t.Name), Is.EqualTo(new[]
            {
                "W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3", "RunningMean1", "RunningVar1", "RunningMean2", "RunningVar2",
            }), "the book's keys, in header order = data order");
            long end = 0;
            foreach (var t in tensors)
            {
                Assert.That(t.Value.GetProperty("dtype").GetString(), Is.EqualTo("F32"), t.Name);
                long begin = t.Value.GetProperty("data_offsets")[0].GetInt64(), stop = t.Value.GetProperty("data_offsets")[1].GetInt64();
                Assert.That(begin, Is.EqualTo(end), $"{t.Name}: no gap");
                int count = t.Value.GetProperty("shape").EnumerateArray().Aggregate(1, (p, d) => p * d.GetInt32());
                Assert.That(stop - begin, Is.EqualTo(4 * count), t.Name);
                end = stop;
            }
            Assert.That(8 + n + end, Is.EqualTo(bytes.Length), "the last tensor ends the file");
            var w1 = tensors[0].Value.GetProperty("data_offsets")[0].GetInt64();
            Assert.That(BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(8 + n + w1))), Is.EqualTo(saved.Params["W1"].Value[0, 0]), "little-endian data");
        });
    }

    [Test]
    public void Load_ReadsTheFileWrittenByPythonsStandardLibrary()
    {
        // TestData/safetensors/make_reference.py wrote it with struct and json only; each value is a multiple of 1/16.
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "safetensors", "two_layer_net.safetensors");
        float[] w1 = [.. Enumerable.Range(0, 12).Select(k => (k / 3 * 3 + k % 3 + 1) / 16f * ((k / 3 + k % 3) % 2 == 0 ? 1 : -1))];
        float[] b1 = [-0.5f, -0.25f, 0f];
        float[] w2 = [.. Enumerable.Range(0, 6).Select(k => (k / 2 * 2 + k % 2) / 16f - 0.25f)];
        float[] b2 = [1.5f, -2f];

        var into = new TwoLayerNet(4, 3, 2, seed: 9);
        Checkpoint.Load(path, into);
        Sequential rebuilt = Checkpoint.Load(path);
        Assert.Multiple(() =>
        {
            foreach (var network in new[] { into, rebuilt })
            {
                Assert.That(network.Params["W1"].Value.Shape, Is.EqualTo(new[] { 4, 3 }));
                Assert.That(network.Params["W1"].Value.ToArray(), Is.EqualTo(w1));
                Assert.That(network.Params["b1"].Value.ToArray(), Is.EqualTo(b1));
                Assert.That(network.Params["W2"].Value.ToArray(), Is.EqualTo(w2));
                Assert.That(network.Params["b2"].Value.ToArray(), Is.EqualTo(b2));
            }
            Assert.That(rebuilt, Is.InstanceOf<TwoLayerNet>());
            Assert.That(w1[..4], Is.EqualTo(new[] { 0.0625f, -0.125f, 0.1875f, -0.25f }), "as the script prints them");
        });
    }

    [Test]
    public void Load_GenericSequential_SavesButCannotRebuildFromTheFileAlone()
    {
        var generic = new Sequential([new Affine(NDArray.RandomNormal([3, 2], 0, 1, 1), NDArray.Zeros(2))], new SoftmaxWithLoss());
        string path = Path.Combine(_dir, "generic.safetensors");
        Checkpoint.Save(path, generic);
        var into = new Sequential([new Affine(NDArray.Zeros(3, 2), NDArray.Zeros(2))], new SoftmaxWithLoss());
        Checkpoint.Load(path, into);
        string npz = Path.Combine(_dir, "net.npz");
        Checkpoint.Save(npz, new TwoLayerNet(2, 2, 2));
        Assert.Multiple(() =>
        {
            Assert.That(Bits(into), Is.EqualTo(Bits(generic)));
            Assert.That(() => Checkpoint.Load(path), Throws.InstanceOf<InvalidDataException>()
                .With.Message.Contains("generic.safetensors").And.Message.Contains("does not say which network").And.Message.Contains("Checkpoint.Load(path, network)"));
            Assert.That(() => Checkpoint.Load(npz), Throws.ArgumentException.With.Message.Contains("does not record its network"));
        });
    }

    /// <summary>A valid safetensors file for <c>TwoLayerNet(2, 2, 2)</c> with its header replaced by <paramref name="header"/> (data: 12 floats).</summary>
    private static byte[] WithHeader(string header, int dataBytes = 48)
    {
        byte[] json = System.Text.Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    private const string GoodTensors =
        "\"W1\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"b1\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}," +
        "\"W2\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[24,40]},\"b2\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[40,48]}";

    private static IEnumerable<TestCaseData> CorruptHeaders()
    {
        TestCaseData Case(string name, string header, string message, int dataBytes = 48) =>
            new TestCaseData(header, dataBytes, message).SetArgDisplayNames(name);
        yield return Case("valid", "{" + GoodTensors + "}", "");
        yield return Case("not JSON", "{\"W1\":{\"dtype\":\"F32\",", "not valid JSON");
        yield return Case("not an object", "[1, 2, 3]", "does not start with '{'");
        yield return Case("unknown dtype", "{" + GoodTensors.Replace("\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]", "\"dtype\":\"F33\",\"shape\":[2,2],\"data_offsets\":[0,16]") + "}", "tensor 'W1': unknown dtype 'F33'");
        yield return Case("F64", "{" + GoodTensors.Replace("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]", "\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[16,24]") + "}", "tensor 'b1': dtype F64 is not supported");
        yield return Case("offset past the data", "{" + GoodTensors.Replace("[40,48]", "[40,56]") + "}", "tensor 'b2': shape (2,) needs 8 bytes");
        yield return Case("end past the file", "{" + GoodTensors.Replace("\"shape\":[2],\"data_offsets\":[40,48]", "\"shape\":[4],\"data_offsets\":[40,56]") + "}", "tensor 'b2' ends at 56, past the 48 bytes");
        yield return Case("overlap", "{" + GoodTensors.Replace("[24,40]", "[20,36]").Replace("[40,48]", "[36,44]") + "}", "tensor 'W2' [20, 36] overlaps 'b1'");
        yield return Case("gap", "{" + GoodTensors.Replace("[24,40]", "[28,44]").Replace("[40,48]", "[44,52]") + "}", "tensor 'W2' begins at 28, leaving a gap after 'b1'", 52);
        yield return Case("trailing bytes", "{" + GoodTensors + "}", "4 bytes after the last tensor", 52);
        yield return Case("end before begin", "{" + GoodTensors.Replace("[40,48]", "[48,40]") + "}", "ends before it begins");
        yield return Case("negative offset", "{" + GoodTensors.Replace("[0,16]", "[-16,0]") + "}", "non-negative integers");
        yield return Case("huge shape", "{" + GoodTensors.Replace("\"shape\":[2,2],\"data_offsets\":[0,16]", "\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,16]") + "}", "more elements than any file holds");
        yield return Case("duplicate name", "{" + GoodTensors + ",\"W1\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[48,48]}}", "not valid JSON");
        yield return Case("wrong shape", "{" + GoodTensors.Replace("\"shape\":[2,2],\"data_offsets\":[0,16]", "\"shape\":[4],\"data_offsets\":[0,16]") + "}", "'W1' has shape (4,), the network expects (2, 2)");
        yield return Case("missing tensor", "{" + GoodTensors.Replace(",\"b2\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[40,48]}", "") + "}", "no tensor 'b2' (the network has one of shape (2,))", 40);
        yield return Case("extra tensor", "{" + GoodTensors + ",\"W3\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[48,52]}}", "tensor 'W3' is not an array of this network", 52);
        yield return Case("metadata not strings", "{\"__metadata__\":{\"network\":3}," + GoodTensors + "}", "__metadata__ entry 'network' must be a string");
        yield return Case("unknown field", "{" + GoodTensors.Replace("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[40,48]", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[40,48],\"stride\":1") + "}", "tensor 'b2': unknown field 'stride'");
        yield return Case("fractional shape", "{" + GoodTensors.Replace("\"shape\":[2],\"data_offsets\":[40,48]", "\"shape\":[2.5],\"data_offsets\":[40,48]") + "}", "'shape' must hold non-negative integers, got 2.5");
    }

    [TestCaseSource(nameof(CorruptHeaders))]
    public void Load_Safetensors_ChecksTheHeader_AndLeavesTheNetworkUnchanged(string header, int dataBytes, string message)
    {
        string path = Path.Combine(_dir, "bad.safetensors");
        File.WriteAllBytes(path, WithHeader(header, dataBytes));
        var network = new TwoLayerNet(2, 2, 2, seed: 4);
        var before = Bits(network);
        if (message == "")
        {
            Checkpoint.Load(path, network);   // the template itself is valid: all zeros
            Assert.That(network.Parameters.All(p => p.Value.ToArray().All(v => v == 0)));
            return;
        }
        Assert.That(() => Checkpoint.Load(path, network), Throws.InstanceOf<InvalidDataException>()
            .With.Message.StartsWith("Checkpoint.Load: bad.safetensors: ").And.Message.Contains(message));
        Assert.That(Bits(network), Is.EqualTo(before));
    }

    [Test]
    public void Load_Safetensors_TruncatedAnywhere_ThrowsNamingTheFile()
    {
        string path = Path.Combine(_dir, "net.safetensors");
        Checkpoint.Save(path, Randomized(new TwoLayerNet(3, 2, 2), 1));
        byte[] bytes = File.ReadAllBytes(path);
        string cut = Path.Combine(_dir, "cut.safetensors");
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(cut, bytes[..length]);
            var network = new TwoLayerNet(3, 2, 2);
            var before = Bits(network);
            Assert.That(() => Checkpoint.Load(cut, network), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("cut.safetensors"), $"length {length}");
            Assert.That(Bits(network), Is.EqualTo(before), $"length {length}");
        }
    }

    [Test]
    public void Load_Safetensors_HeaderClaimingTerabytesOrInvalidUtf8_Throws()
    {
        byte[] huge = WithHeader("{}", 0);
        BinaryPrimitives.WriteUInt64LittleEndian(huge, 1UL << 42);
        byte[] utf8 = WithHeader("{\"W1\":{\"dtype\":\"F32\"}}");
        utf8[8 + 3] = 0xC3;   // a lone lead byte inside the name
        Assert.Multiple(() =>
        {
            Assert.That(() => Checkpoint.Load(new MemoryStream(huge), "huge.safetensors"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("header length 4398046511104 exceeds"));
            Assert.That(() => Checkpoint.Load(new MemoryStream(utf8), "utf8.safetensors"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("not valid UTF-8"));
        });
    }

    [Test]
    public void Load_Safetensors_MetadataDescribingAHugeOrInvalidNetwork_ThrowsBeforeBuildingIt()
    {
        string Args(string args) => "{\"__metadata__\":{\"network\":\"TwoLayerNet\",\"args\":" + JsonSerializer.Serialize(args) + "}," + GoodTensors + "}";
        const string good = "{\"inputSize\":2,\"hiddenSize\":2,\"outputSize\":2,\"weightInitStd\":0.01,\"activation\":\"Relu\",\"seed\":0}";
        Assert.Multiple(() =>
        {
            Assert.That(Checkpoint.Load(new MemoryStream(WithHeader(Args(good))), "good.safetensors"), Is.InstanceOf<TwoLayerNet>());
            Assert.That(() => Checkpoint.Load(new MemoryStream(WithHeader(Args(good.Replace("\"hiddenSize\":2", "\"hiddenSize\":2000000000")))), "huge.safetensors"),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contains("huge.safetensors").And.Message.Contains("parameters, the file holds 12 values"));
            Assert.That(() => Checkpoint.Load(new MemoryStream(WithHeader(Args(good.Replace("\"hiddenSize\":2", "\"hiddenSize\":-2")))), "negative.safetensors"),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contains("hiddenSize must be positive"));
            Assert.That(() => Checkpoint.Load(new MemoryStream(WithHeader(Args(good.Replace("\"Relu\"", "\"Softplus\"")))), "kind.safetensors"),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contains("'activation' must be one of Relu, Sigmoid, Tanh"));
            Assert.That(() => Checkpoint.Load(new MemoryStream(WithHeader(Args(good.Replace("\"seed\"", "\"sead\"")))), "typo.safetensors"),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contains("needs argument 'seed'"));
            Assert.That(() => Checkpoint.Load(new MemoryStream(WithHeader(Args(good.Replace("}", ",\"extra\":1}")))), "extra.safetensors"),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contains("has no argument 'extra'"));
            Assert.That(() => Checkpoint.Load(new MemoryStream(WithHeader(Args(good).Replace("TwoLayerNet", "ResNet50"))), "resnet.safetensors"),
                Throws.InstanceOf<InvalidDataException>().With.Message.Contains("unknown network kind 'ResNet50'"));
        });
    }

    // ---- saving never leaves a half-written file ------------------------------------------------

    /// <summary>A write stream that throws after <c>limit</c> bytes, as a full disk or a lost network drive would.</summary>
    private sealed class FailingStream(Stream inner, long limit) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long room = limit - Written;
            if (buffer.Length > room)
            {
                inner.Write(buffer[..(int)Math.Max(0, room)]);
                Written = limit;
                throw new IOException($"simulated failure after {limit} bytes");
            }
            inner.Write(buffer);
            Written += buffer.Length;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    [TestCase(".npz")]
    [TestCase(".safetensors")]
    public void Save_FailingAtEveryByte_KeepsThePreviousCheckpointAndLeavesNoTemporaryFile(string extension)
    {
        string path = Path.Combine(_dir, "net" + extension);
        var previous = Randomized(new TwoLayerNet(3, 2, 2), 1);
        Checkpoint.Save(path, previous);
        byte[] previousBytes = File.ReadAllBytes(path);
        var next = Randomized(new TwoLayerNet(3, 2, 2), 2);
        FailingStream? counting = null;   // the zip writer seeks back to patch sizes, so it writes more bytes than the file holds
        Checkpoint.Save(Path.Combine(_dir, "measure" + extension), next, temp => counting = new FailingStream(File.Create(temp), long.MaxValue));
        long size = counting!.Written;
        File.Delete(Path.Combine(_dir, "measure" + extension));

        for (long limit = 0; limit < size; limit++)
        {
            long at = limit;
            Assert.That(() => Checkpoint.Save(path, next, temp => new FailingStream(File.Create(temp), at)), Throws.InstanceOf<IOException>(), $"fails after {at} bytes");
            Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }), $"after {at} bytes: no temporary file");
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(previousBytes), $"after {at} bytes: the previous checkpoint is untouched");
        }
        var loaded = new TwoLayerNet(3, 2, 2);
        Checkpoint.Load(path, loaded);
        Assert.That(Bits(loaded), Is.EqualTo(Bits(previous)));
        Checkpoint.Save(path, next, temp => new FailingStream(File.Create(temp), size));   // just enough
        Checkpoint.Load(path, loaded);
        Assert.That(Bits(loaded), Is.EqualTo(Bits(next)));
    }

    [Test]
    public void Save_IntoAMissingDirectory_NamesTheTarget()
    {
        string path = Path.Combine(_dir, "missing", "net.safetensors");
        Assert.That(() => Checkpoint.Save(path, new TwoLayerNet(2, 2, 2)), Throws.InstanceOf<DirectoryNotFoundException>()
            .With.Message.Contains(path).And.Message.Not.Contains(".tmp"));
    }

    // ---- network descriptions -------------------------------------------------------------------

    [Test]
    public void Description_RecordsEveryConstructorArgument_AndBuildsTheSameNetwork()
    {
        var network = new SimpleConvNet([1, 10, 10], filterNum: 4, filterSize: 3, hiddenSize: 8, outputSize: 5, weightInit: WeightInit.He, seed: 6);
        NetworkDescription description = network.Description;
        Assert.Multiple(() =>
        {
            Assert.That(description.Kind, Is.EqualTo("SimpleConvNet"));
            Assert.That(description.Arguments, Is.EqualTo(
                "{\"inputDim\":[1,10,10],\"filterNum\":4,\"filterSize\":3,\"pad\":0,\"stride\":1,\"hiddenSize\":8,\"outputSize\":5,\"weightInit\":\"He\",\"useBatchnorm\":false,\"semantics\":\"Modern\",\"seed\":6}"));
            Assert.That(new TwoLayerNet(4, 3, 2, seed: 7).Description.Arguments,
                Is.EqualTo("{\"inputSize\":4,\"hiddenSize\":3,\"outputSize\":2,\"weightInitStd\":0.01,\"activation\":\"Relu\",\"seed\":7}"));
            Assert.That(new MultiLayerNet(4, [3], 2, Activation.Sigmoid).Description.Arguments, Does.Contain("\"weightInit\":\"Xavier\""), "the default, resolved");
            Assert.That(new SimpleConvNet().Description.Arguments, Does.Contain("\"inputDim\":[1,28,28]").And.Contain("\"weightInit\":0.01"));
            Assert.That(Bits(description.Build()), Is.EqualTo(Bits(network)), "the same seed draws the same initial weights");
            Assert.That(new NetworkDescription("MultiLayerNetExtend", new MultiLayerNetExtend(3, [2], 2, dropoutRatio: 0.15f, useBatchnorm: true).Description.Arguments).Build(),
                Is.InstanceOf<MultiLayerNetExtend>().And.Property("Layers").Count.EqualTo(4));
            Assert.That(() => new NetworkDescription("Transformer", "{}"), Throws.ArgumentException.With.Message.Contains("unknown network kind 'Transformer'"));
            Assert.That(() => new NetworkDescription("TwoLayerNet", "[1]"), Throws.ArgumentException.With.Message.Contains("must be a JSON object"));
            Assert.That(() => new NetworkDescription("TwoLayerNet", "{\"inputSize\":4}").Build(), Throws.ArgumentException.With.Message.Contains("needs argument 'hiddenSize'"));
        });
    }
}
