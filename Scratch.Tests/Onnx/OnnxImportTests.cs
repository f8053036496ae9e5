using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>A LeNet exported by PyTorch (TestData/onnx/make_lenet.py, torch 1.13, opset 17) imports and gives PyTorch's outputs.</summary>
public class OnnxImportTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "scratch-onnx-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    internal static string DataFile(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "onnx", name);

    [Test]
    public void Load_PyTorchLeNet_BuildsTheLayers()
    {
        var layers = Onnx.Load(DataFile("lenet.onnx")).Layers;
        // PyTorch drops Dropout in eval mode and writes nn.Linear as Gemm(transB=1); the final Softmax is the loss layer's.
        Assert.That(layers.Select(l => l.GetType().Name), Is.EqualTo(new[]
        {
            "Convolution", "Relu", "MaxPooling", "Convolution", "Relu", "BatchNormalization2d", "MaxPooling", "Flatten",
            "Affine", "Relu", "Affine", "Tanh", "Affine",
        }));
        var first = (Convolution)layers[0];
        Assert.That((first.W.Value.Shape, first.Pad), Is.EqualTo((new[] { 6, 1, 5, 5 }, 2)));
        Assert.That(((Affine)layers[8]).W.Value.Shape, Is.EqualTo(new[] { 400, 120 }));
    }

    [Test]
    public void Load_PyTorchLeNet_GivesPyTorchOutputs()
    {
        Sequential network = Onnx.Load(DataFile("lenet.onnx"));
        NDArray x = Npy.Load(DataFile("lenet_x.npy"));
        NDArray logits = network.Predict(x);
        float[] expectedLogits = Npy.Load(DataFile("lenet_logits.npy")).ToArray();
        float[] expectedProbs = Npy.Load(DataFile("lenet_probs.npy")).ToArray();
        float logitsDiff = OnnxRuntimeTests.MaxAbsDiff(logits.ToArray(), expectedLogits);
        float probsDiff = OnnxRuntimeTests.MaxAbsDiff(Functions.Softmax(logits).ToArray(), expectedProbs);
        TestContext.Out.WriteLine($"LeNet: max |Scratch − PyTorch| logits {logitsDiff:E2}, probabilities {probsDiff:E2}");
        Assert.That(logitsDiff, Is.LessThanOrEqualTo(1e-4f));
        Assert.That(probsDiff, Is.LessThanOrEqualTo(1e-4f));
    }

    [Test]
    public void Load_PyTorchMatMulNet_GivesPyTorchOutputs()
    {
        // mlp.onnx: AveragePool, Reshape to (−1, 196), MatMul + Add, BatchNormalization on (N, D), Sigmoid, MatMul + Add; no Softmax.
        Sequential network = Onnx.Load(DataFile("mlp.onnx"));
        Assert.That(network.Layers.Select(l => l.GetType().Name), Is.EqualTo(new[]
        {
            "AvgPooling", "Flatten", "Affine", "BatchNormalization", "Sigmoid", "Affine",
        }));
        NDArray logits = network.Predict(Npy.Load(DataFile("lenet_x.npy")));
        float diff = OnnxRuntimeTests.MaxAbsDiff(logits.ToArray(), Npy.Load(DataFile("mlp_logits.npy")).ToArray());
        TestContext.Out.WriteLine($"MatMulNet: max |Scratch − PyTorch| logits {diff:E2}");
        Assert.That(diff, Is.LessThanOrEqualTo(1e-4f));
    }

    [Test]
    public void Load_PyTorchLeNet_ThenSave_RunsInOnnxRuntime()
    {
        // PyTorch's ε = 1e-5 is folded into the running variance on import; the re-exported model still gives PyTorch's numbers.
        string path = Path.Combine(_dir, "lenet-again.onnx");
        Onnx.Save(Onnx.Load(DataFile("lenet.onnx")), path, inputShape: [1, 28, 28]);
        NDArray x = Npy.Load(DataFile("lenet_x.npy"));
        float[] probs = OnnxRuntimeTests.Run(path, x)[Onnx.OutputName];
        Assert.That(OnnxRuntimeTests.MaxAbsDiff(probs, Npy.Load(DataFile("lenet_probs.npy")).ToArray()), Is.LessThanOrEqualTo(1e-4f));
    }
}
