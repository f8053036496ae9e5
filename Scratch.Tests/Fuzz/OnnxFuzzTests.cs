using Scratch.Nn;
using Scratch.Tensors;
using Scratch.Tests.Nn;

namespace Scratch.Tests.Fuzz;

/// <summary>Fuzzes <see cref="Onnx.Load"/>: truncations at every offset, byte mutations, and protobuf varints rewritten
/// (lengths claiming more than the file holds, values at the boundaries) of small models, Scratch's and PyTorch's.</summary>
public class OnnxFuzzTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("scratch-onnx-fuzz-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>A valid model, an input for it, and whether every truncation is tried (small files) or a sample of mutations only.</summary>
    private sealed record Base(string Name, byte[] Bytes, NDArray Input, bool EveryTruncation);

    private Base[] Bases()
    {
        var conv = new SimpleConvNet([1, 6, 6], filterNum: 2, filterSize: 3, hiddenSize: 4, outputSize: 3, seed: 1);
        var mlp = new MultiLayerNetExtend(5, [4], 3, useBatchnorm: true, seed: 2);
        return
        [
            new("SimpleConvNet", Save(conv), NDArray.RandomNormal([2, 1, 6, 6], 0, 1, 3), EveryTruncation: true),
            new("MultiLayerNetExtend with batch norm", Save(mlp), NDArray.RandomNormal([2, 5], 0, 1, 4), EveryTruncation: true),
            new("PyTorch mlp.onnx", File.ReadAllBytes(OnnxImportTests.DataFile("mlp.onnx")), NDArray.RandomNormal([2, 1, 28, 28], 0, 1, 5), EveryTruncation: false),
        ];
    }

    private byte[] Save(Sequential network)
    {
        string path = Path.Combine(_dir, "valid.onnx");
        Onnx.Save(network, path);
        return File.ReadAllBytes(path);
    }

    private static IEnumerable<FuzzCase> Corpus(Base b, int seed)
    {
        var mutator = new Mutator(seed);
        var byteCases = b.EveryTruncation ? mutator.Corpus(b.Bytes, 3_200) : Enumerable.Range(0, 1_200).Select(_ => mutator.Mutate(b.Bytes));
        foreach (var c in byteCases)
            yield return c with { Name = $"{b.Name}: {c.Name}" };
        var varints = ProtobufVarints.Find(b.Bytes);
        Assert.That(varints.Count(v => v.IsLength), Is.GreaterThan(10), $"{b.Name} parses as a protobuf message");
        for (int i = 0; i < 1_600; i++)
        {
            var c = ProtobufVarints.Mutate(b.Bytes, varints, mutator);
            yield return c with { Name = $"{b.Name}: {c.Name}" };
        }
    }

    [Test]
    public void Load_MutatedModels_EndInInvalidDataOrNotSupported_OrLoadCorrectly()
    {
        Base[] bases = Bases();
        var originals = bases.ToDictionary(b => b.Name, b => Onnx.Load(Write(b.Bytes)));
        FuzzRunner.Run("Onnx.Load", bases.SelectMany((b, i) => Corpus(b, 20 + i)), bytes => Onnx.Load(Write(bytes)), (c, result) =>
        {
            var network = (Sequential)result!;
            if (network.Layers.Count == 0) return "a network without layers";
            Base b = bases.First(b => c.Name.StartsWith(b.Name + ":", StringComparison.Ordinal));
            Sequential original = originals[b.Name];
            bool same = network.Layers.Select(l => l.GetType()).SequenceEqual(original.Layers.Select(l => l.GetType()))
                && network.Parameters.Count == original.Parameters.Count
                && network.Parameters.Zip(original.Parameters).All(p => p.First.Value.Shape.SequenceEqual(p.Second.Value.Shape)
                                                                         && p.First.Value.ToArray().SequenceEqual(p.Second.Value.ToArray()));
            same &= network.Layers.Zip(original.Layers).All(l => (l.First, l.Second) switch
            {
                (BatchNormalization a, BatchNormalization b) => a.Eps == b.Eps && SameStatistics(a, b),
                (BatchNormalization2d a, BatchNormalization2d b) => a.Eps == b.Eps && SameStatistics(a, b),
                (AvgPooling a, AvgPooling b) => (a.PoolH, a.PoolW, a.Stride, a.Pad) == (b.PoolH, b.PoolW, b.Stride, b.Pad),
                (MaxPooling a, MaxPooling b) => (a.PoolH, a.PoolW, a.Stride, a.Pad) == (b.PoolH, b.PoolW, b.Stride, b.Pad),
                (Convolution a, Convolution b) => (a.Stride, a.Pad) == (b.Stride, b.Pad),
                (Dropout a, Dropout b) => (a.DropoutRatio, a.Semantics) == (b.DropoutRatio, b.Semantics),
                _ => true,
            });
            if (!same) return null;   // a mutation that changed a weight or an attribute: another valid model
            try
            {
                return network.Predict(b.Input).ToArray().SequenceEqual(original.Predict(b.Input).ToArray())
                    ? null : "the same layers and weights as the valid file predict differently";
            }
            catch (ArgumentException e)
            {
                return $"the same layers and weights as the valid file cannot predict: {e.Message}";
            }
        }, alsoDocumented: typeof(NotSupportedException));
    }

    private static bool SameStatistics(IRunningStatistics a, IRunningStatistics b) =>
        (a.RunningMean?.ToArray() ?? []).SequenceEqual(b.RunningMean?.ToArray() ?? []) && (a.RunningVar?.ToArray() ?? []).SequenceEqual(b.RunningVar?.ToArray() ?? []);

    /// <summary>Writes the case over one file (Onnx.Load reads a path).</summary>
    private string Write(byte[] bytes)
    {
        string path = Path.Combine(_dir, "fuzz.onnx");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
