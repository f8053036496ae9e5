using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>Every network, exported by <see cref="Onnx.Save"/> and run by ONNX Runtime, gives Scratch's scores and classes.</summary>
public class OnnxRuntimeTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "scratch-onnx-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [TestCaseSource(typeof(OnnxNetworks), nameof(OnnxNetworks.Names))]
    public void Export_RunInOnnxRuntime_MatchesPredict(string name)
    {
        Sequential network = OnnxNetworks.Get(name);
        NDArray x = OnnxNetworks.TestInput(name);
        string path = Path.Combine(_dir, "network.onnx");
        Onnx.Save(network, path);

        NDArray logits = network.Predict(x);
        var outputs = Run(path, x);
        float logitsDiff = MaxAbsDiff(outputs[Onnx.LogitsName], logits.ToArray());
        float probsDiff = MaxAbsDiff(outputs[Onnx.OutputName], Functions.Softmax(logits).ToArray());
        TestContext.Out.WriteLine($"{name}: max |ORT − Scratch| logits {logitsDiff:E2}, probabilities {probsDiff:E2}");

        Assert.That(logitsDiff, Is.LessThanOrEqualTo(1e-4f), "logits");
        Assert.That(probsDiff, Is.LessThanOrEqualTo(1e-4f), "probabilities");
        float[] ours = logits.ArgMax(1).ToArray();
        int classes = logits.Dim(1);
        for (int i = 0; i < x.Dim(0); i++)
        {
            var row = new ArraySegment<float>(outputs[Onnx.OutputName], i * classes, classes);
            Assert.That(row.AsSpan().IndexOf(row.Max()), Is.EqualTo((int)ours[i]), $"class of digit {i}");
        }
    }

    [Test]
    public void Export_NamesInputAndOutputs_WithDynamicBatch()
    {
        string path = Path.Combine(_dir, "network.onnx");
        Onnx.Save(OnnxNetworks.Get("SimpleConvNet"), path, inputShape: [1, 28, 28]);
        using var session = new InferenceSession(path);
        Assert.That(session.InputMetadata.Keys, Is.EqualTo(new[] { Onnx.InputName }));
        Assert.That(session.InputMetadata[Onnx.InputName].Dimensions, Is.EqualTo(new[] { -1, 1, 28, 28 }));
        Assert.That(session.InputMetadata[Onnx.InputName].SymbolicDimensions[0], Is.EqualTo("N"));
        Assert.That(session.OutputMetadata.Keys, Is.EquivalentTo(new[] { Onnx.OutputName, Onnx.LogitsName }));
        Assert.That(session.OutputMetadata[Onnx.OutputName].Dimensions, Is.EqualTo(new[] { -1, 10 }));
        Assert.That(session.ModelMetadata.ProducerName, Is.EqualTo("Scratch"));
        foreach (int batch in new[] { 1, 7 })   // any batch size runs
        {
            NDArray x = OnnxNetworks.TestInput("SimpleConvNet").Slice(0, 0, batch).Contiguous();
            Assert.That(Run(path, x)[Onnx.OutputName], Has.Length.EqualTo(batch * 10));
        }
    }

    /// <summary>ONNX Runtime's outputs for <paramref name="x"/>, by output name.</summary>
    internal static Dictionary<string, float[]> Run(string path, NDArray x)
    {
        using var session = new InferenceSession(path);
        string input = session.InputMetadata.Keys.Single();
        var tensor = new DenseTensor<float>(x.ToArray(), x.Shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, tensor)]);
        return results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }

    internal static float MaxAbsDiff(float[] a, float[] b)
    {
        Assert.That(a, Has.Length.EqualTo(b.Length));
        float max = 0f;
        for (int i = 0; i < a.Length; i++)
            max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }
}
