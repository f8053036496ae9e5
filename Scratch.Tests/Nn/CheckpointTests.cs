using System.IO.Compression;
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

    [Test]
    public void Load_OfOtherArchitectureOrCorruptFile_ThrowsAndLeavesTheNetworkUnchanged()
    {
        string path = Path.Combine(_dir, "net.npz");
        Checkpoint.Save(path, Trained());
        var other = new MultiLayerNetExtend(6, [7, 4], 3, useBatchnorm: true);
        float[] before = other.Params["W1"].Value.ToArray();
        string corrupt = Path.Combine(_dir, "corrupt.npz");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(path)[..200]);
        Assert.Multiple(() =>
        {
            Assert.That(() => Checkpoint.Load(path, other), Throws.InstanceOf<InvalidDataException>()
                .With.Message.Contains("net.npz").And.Message.Contains("'W1' has shape (6, 5), the network expects (6, 7)"));
            Assert.That(other.Params["W1"].Value.ToArray(), Is.EqualTo(before));
            Assert.That(() => Checkpoint.Load(corrupt, Network(1)), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("corrupt.npz"));
            Assert.That(() => Checkpoint.Load(path, new TwoLayerNet(6, 5, 3)), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("shape"));
        });
    }
}
