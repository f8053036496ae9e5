extern alias OnnxProto;

using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>Scratch → ONNX → Scratch gives back the same network: bit-identical parameters and statistics, identical predictions.</summary>
public class OnnxRoundTripTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "scratch-onnx-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [TestCaseSource(typeof(OnnxNetworks), nameof(OnnxNetworks.Names))]
    public void SaveThenLoad_GivesBitIdenticalParametersAndPredictions(string name)
    {
        Sequential network = OnnxNetworks.Get(name);
        string path = Path.Combine(_dir, "network.onnx");
        Onnx.Save(network, path);
        Sequential loaded = Onnx.Load(path);

        Assert.That(loaded.Params.Keys, Is.EqualTo(network.Params.Keys));
        foreach (var (key, parameter) in network.Params)
            Assert.That(Bits(loaded.Params[key].Value), Is.EqualTo(Bits(parameter.Value)), key);
        var statistics = network.Layers.OfType<IRunningStatistics>().ToList();
        var loadedStatistics = loaded.Layers.OfType<IRunningStatistics>().ToList();
        Assert.That(loadedStatistics.Select(s => s.GetType()), Is.EqualTo(statistics.Select(s => s.GetType())));
        for (int k = 0; k < statistics.Count; k++)
        {
            Assert.That(Bits(loadedStatistics[k].RunningMean!), Is.EqualTo(Bits(statistics[k].RunningMean!)), $"RunningMean{k + 1}");
            Assert.That(Bits(loadedStatistics[k].RunningVar!), Is.EqualTo(Bits(statistics[k].RunningVar!)), $"RunningVar{k + 1}");
            Assert.That(loadedStatistics[k].Eps, Is.EqualTo(statistics[k].Eps), $"ε of batch norm {k + 1}");
            Assert.That(loadedStatistics[k].Convention, Is.EqualTo(statistics[k].Convention), $"convention of batch norm {k + 1}");
            Assert.That(loadedStatistics[k].Momentum, Is.EqualTo(statistics[k].Momentum).Within(1e-7f), $"momentum of batch norm {k + 1}");
        }

        NDArray x = OnnxNetworks.TestInput(name);
        Assert.That(Bits(loaded.Predict(x)), Is.EqualTo(Bits(network.Predict(x))), "predictions");
        Assert.That(loaded.LastLayer, Is.TypeOf<SoftmaxWithLoss>());
    }

    [Test]
    public void SaveThenLoad_KeepsLayerSettings()
    {
        var network = new Sequential(
        [
            new Convolution(NDArray.Ones(2, 1, 3, 3), NDArray.Zeros(2), stride: 2, pad: 1),
            new BatchNormalization2d(NDArray.Ones(2), NDArray.Zeros(2), momentum: 0.8f),
            new MaxPooling(3, 2, stride: 1, pad: 1),
            new AvgPooling(2, 3, stride: 2, pad: 1),
            new Dropout(0.25f, Semantics.Book),
            new Dropout(0.4f, Semantics.Modern),
            new Flatten(),
            new BatchNormalization(NDArray.Ones(2 * 4 * 4), NDArray.Zeros(2 * 4 * 4), momentum: 0.7f),
            new Sigmoid(),
        ], new SoftmaxWithLoss());
        string path = Path.Combine(_dir, "settings.onnx");
        Onnx.Save(network, path, inputShape: [1, 12, 12]);
        var layers = Onnx.Load(path).Layers;

        Assert.That(layers.Select(l => l.GetType().Name), Is.EqualTo(new[]
        {
            "Convolution", "BatchNormalization2d", "MaxPooling", "AvgPooling", "Dropout", "Flatten", "BatchNormalization", "Sigmoid",
        }));   // Modern dropout is the identity at test time: nothing to export
        var conv = (Convolution)layers[0];
        Assert.That((conv.Stride, conv.Pad), Is.EqualTo((2, 1)));
        Assert.That(((BatchNormalization2d)layers[1]).Momentum, Is.EqualTo(0.8f));
        var max = (MaxPooling)layers[2];
        Assert.That((max.PoolH, max.PoolW, max.Stride, max.Pad), Is.EqualTo((3, 2, 1, 1)));
        var avg = (AvgPooling)layers[3];
        Assert.That((avg.PoolH, avg.PoolW, avg.Stride, avg.Pad), Is.EqualTo((2, 3, 2, 1)));
        var dropout = (Dropout)layers[4];
        Assert.That((dropout.DropoutRatio, dropout.Semantics), Is.EqualTo((0.25f, Semantics.Book)));
        Assert.That(((BatchNormalization)layers[6]).Momentum, Is.EqualTo(0.7f));
    }

    [Test]
    public void SaveThenLoad_BookBatchNormOnImages_StaysPerFeature()
    {
        // The book's layer on (N, C, H, W) normalizes each of the C·H·W positions: it must come back as that layer, not per channel.
        Sequential network = OnnxNetworks.Get("SimpleConvNet bn Book");
        string path = Path.Combine(_dir, "book.onnx");
        Onnx.Save(network, path);
        var bn = Onnx.Load(path).Layers.OfType<BatchNormalization>().Single();
        Assert.That(bn.Gamma.Value.Shape, Is.EqualTo(new[] { 30 * 24 * 24 }));
    }

    [TestCase(BatchNormConvention.Book, 0.9f, 0.9f)]
    [TestCase(BatchNormConvention.PyTorch, 0.1f, 0.9f)]
    [TestCase(BatchNormConvention.PyTorch, 0.25f, 0.75f)]
    public void Save_WritesTheLayersEpsilonAndMomentumInOnnxsRule(BatchNormConvention convention, float momentum, float onnxMomentum)
    {
        var network = new Sequential([new BatchNormalization(NDArray.Ones(3), NDArray.Zeros(3), momentum, convention: convention)], new SoftmaxWithLoss());
        string path = Path.Combine(_dir, "bn.onnx");
        Onnx.Save(network, path);

        var node = OnnxProto::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Node.Single(n => n.OpType == "BatchNormalization");
        float expectedEpsilon = convention == BatchNormConvention.Book ? BatchNormalization.Epsilon : BatchNormalization.PyTorchEpsilon;
        Assert.That(node.Attribute.Single(a => a.Name == "epsilon").F, Is.EqualTo(expectedEpsilon));
        Assert.That(node.Attribute.Single(a => a.Name == "momentum").F, Is.EqualTo(onnxMomentum).Within(1e-7f));
    }

    [Test]
    public void SaveThenLoad_KeepsAnOwnEpsilon()
    {
        var network = new Sequential(
        [
            new BatchNormalization(NDArray.Ones(3), NDArray.Zeros(3), momentum: 0.8f, runningMean: NDArray.Full([3], 0.5f), runningVar: NDArray.Full([3], 2e-3f), epsilon: 1e-3f),
        ], new SoftmaxWithLoss());
        string path = Path.Combine(_dir, "eps.onnx");
        Onnx.Save(network, path);
        Sequential loaded = Onnx.Load(path);

        var bn = (BatchNormalization)loaded.Layers.Single();
        Assert.That((bn.Eps, bn.Convention, bn.Momentum), Is.EqualTo((1e-3f, BatchNormConvention.Book, 0.8f)));
        Assert.That(Bits(bn.RunningVar!), Is.EqualTo(Bits(NDArray.Full([3], 2e-3f))), "the variance is not changed to fit another ε");
        NDArray x = NDArray.FromArray(new float[] { 0.5f, 0.6f, 0.4f, 0.55f, 0.45f, 0.5f }, 2, 3);
        Assert.That(Bits(loaded.Predict(x)), Is.EqualTo(Bits(network.Predict(x))));
    }

    [Test]
    public void Save_UnrunPyTorchBatchNorm_WritesTheVarianceItStartsFrom()
    {
        var network = new Sequential([new BatchNormalization(NDArray.Ones(3), NDArray.Zeros(3), convention: BatchNormConvention.PyTorch)], new SoftmaxWithLoss());
        string path = Path.Combine(_dir, "unrun.onnx");
        Onnx.Save(network, path);

        var bn = (BatchNormalization)Onnx.Load(path).Layers.Single();
        Assert.That(bn.RunningMean!.ToArray(), Is.EqualTo(new[] { 0f, 0f, 0f }));
        Assert.That(bn.RunningVar!.ToArray(), Is.EqualTo(new[] { 1f, 1f, 1f }));
    }

    private static int[] Bits(NDArray a) => a.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}
