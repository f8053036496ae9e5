extern alias OnnxProto;

using Google.Protobuf;
using Scratch.Nn;
using Scratch.Tensors;
using Proto = OnnxProto::Onnx;

namespace Scratch.Tests.Nn;

/// <summary>Small graphs written node by node: the operator forms PyTorch and others write, and what Load must refuse.</summary>
public class OnnxHandMadeGraphTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "scratch-onnx-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Gemm_WithTransBAlphaBeta_IsAffineOfScaledWeights()
    {
        // Y = α·x·Bᵀ + β·C with B (M=2, K=3): W = α·Bᵀ, b = β·C.
        float[] b = [1, 2, 3, 4, 5, 6];
        var graph = Graph(3, Node("Gemm", "gemm", ["input", "B", "C"], Int("transB", 1), Float("alpha", 2f), Float("beta", 0.5f)));
        graph.Initializer.Add(Tensor("B", b, 2, 3));
        graph.Initializer.Add(Tensor("C", [10, 20], 2));
        var affine = (Affine)Load(graph).Layers.Single();
        Assert.That(affine.W.Value.ToArray(), Is.EqualTo(new float[] { 2, 8, 4, 10, 6, 12 }));   // 2·Bᵀ
        Assert.That(affine.B.Value.ToArray(), Is.EqualTo(new float[] { 5, 10 }));
    }

    [Test]
    public void MatMulThenAdd_WithBiasFirst_IsAffine()
    {
        var graph = Graph(2, Node("MatMul", "mm", ["input", "W"]), Node("Add", "add", ["b", "mm"]));
        graph.Initializer.Add(Tensor("W", [1, 2, 3, 4], 2, 2));
        graph.Initializer.Add(Tensor("b", [0.5f, -0.5f], 2));
        var affine = (Affine)Load(graph).Layers.Single();
        // [1, 1]·[[1, 2], [3, 4]] + [0.5, −0.5] = [4.5, 5.5]
        Assert.That(affine.Forward(NDArray.Ones(1, 2)).ToArray(), Is.EqualTo(new[] { 4.5f, 5.5f }));
    }

    [Test]
    public void DropoutAtInference_IsModernDropoutWithItsRatio()
    {
        var graph = Graph(2, Node("Dropout", "drop", ["input", "ratio"]));
        graph.Initializer.Add(Tensor("ratio", [0.3f]));
        var dropout = (Dropout)Load(graph).Layers.Single();
        Assert.That((dropout.DropoutRatio, dropout.Semantics), Is.EqualTo((0.3f, Semantics.Modern)));
    }

    [Test]
    public void DropoutInTrainingMode_IsRefused()
    {
        var graph = Graph(2, Node("Dropout", "drop", ["input", "", "training"]));
        graph.Initializer.Add(new Proto.TensorProto { Name = "training", DataType = (int)Proto.TensorProto.Types.DataType.Bool, RawData = ByteString.CopyFrom(1) });
        Assert.That(() => Load(graph), Throws.TypeOf<NotSupportedException>().With.Message.Contains("'drop' (Dropout)").And.Message.Contains("training"));
    }

    [Test]
    public void SoftmaxBeforeTheEnd_IsRefused()
    {
        var graph = Graph(2, Node("Softmax", "soft", ["input"]), Node("Relu", "relu", ["soft"]));
        Assert.That(() => Load(graph), Throws.TypeOf<NotSupportedException>().With.Message.Contains("'soft' (Softmax)"));
    }

    [Test]
    public void Branch_IsRefused()
    {
        // relu2 reads the input again instead of relu1's output: a graph, not a chain.
        var graph = Graph(2, Node("Relu", "relu1", ["input"]), Node("Relu", "relu2", ["input"]));
        Assert.That(() => Load(graph), Throws.TypeOf<NotSupportedException>().With.Message.Contains("'relu2' (Relu) reads 'input', not 'relu1'"));
    }

    [Test]
    public void MaxPoolWithItsOwnPads_IsRefused()
    {
        // MaxPool's pads are −∞, MaxPooling's are zeros: different maxima next to negative values.
        var graph = Graph(4, Node("MaxPool", "pool", ["input"], Ints("kernel_shape", 2, 2), Ints("pads", 1, 1, 1, 1)));
        Assert.That(() => Load(graph), Throws.TypeOf<NotSupportedException>().With.Message.Contains("'pool' (MaxPool)").And.Message.Contains("−∞"));
    }

    [Test]
    public void GroupedConv_IsRefused()
    {
        var graph = Graph(4, Node("Conv", "conv", ["input", "W"], Int("group", 2)));
        graph.Initializer.Add(Tensor("W", new float[2 * 1 * 3 * 3], 2, 1, 3, 3));
        Assert.That(() => Load(graph), Throws.TypeOf<NotSupportedException>().With.Message.Contains("'conv' (Conv)").And.Message.Contains("group 2"));
    }

    [Test]
    public void WeightsOfTheWrongSize_AreInvalidData()
    {
        var graph = Graph(2, Node("Gemm", "gemm", ["input", "B"]));
        var weights = Tensor("B", [1, 2, 3], 2, 2);   // 3 values for (2, 2)
        graph.Initializer.Add(weights);
        Assert.That(() => Load(graph), Throws.TypeOf<InvalidDataException>().With.Message.Contains("'B' (2, 2) has 3 values"));
    }

    [Test]
    public void WeightsMissing_AreInvalidData()
    {
        var graph = Graph(2, Node("Gemm", "gemm", ["input", "nowhere"]));
        Assert.That(() => Load(graph), Throws.TypeOf<InvalidDataException>().With.Message.Contains("'gemm' (Gemm)").And.Message.Contains("'nowhere'"));
    }

    [Test]
    public void ComputedWeights_AreRefused()
    {
        // The weights of the second Gemm are the first one's output: a product of two data-dependent values has no layer.
        var graph = Graph(2, Node("Relu", "relu", ["input"]), Node("Gemm", "gemm", ["relu", "relu"]));
        Assert.That(() => Load(graph), Throws.TypeOf<NotSupportedException>().With.Message.Contains("'gemm' (Gemm) reads 'relu' as input 1, which is computed"));
    }

    private Sequential Load(Proto.GraphProto graph)
    {
        var model = new Proto.ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new Proto.OperatorSetIdProto { Domain = "", Version = 17 });
        string path = Path.Combine(_dir, "model.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return Onnx.Load(path);
    }

    /// <summary>A graph reading "input" of the given rank through <paramref name="nodes"/>; the last node's output is the graph's.</summary>
    private static Proto.GraphProto Graph(int rank, params Proto.NodeProto[] nodes)
    {
        var graph = new Proto.GraphProto { Name = "test" };
        graph.Node.AddRange(nodes);
        graph.Input.Add(Value("input", rank));
        graph.Output.Add(Value(nodes[^1].Output[0], 2));
        return graph;
    }

    private static Proto.ValueInfoProto Value(string name, int rank)
    {
        var shape = new Proto.TensorShapeProto();
        for (int i = 0; i < rank; i++) shape.Dim.Add(new Proto.TensorShapeProto.Types.Dimension { DimParam = $"d{i}" });
        var tensor = new Proto.TypeProto.Types.Tensor { ElemType = (int)Proto.TensorProto.Types.DataType.Float, Shape = shape };
        return new Proto.ValueInfoProto { Name = name, Type = new Proto.TypeProto { TensorType = tensor } };
    }

    private static Proto.NodeProto Node(string op, string name, string[] inputs, params Proto.AttributeProto[] attributes)
    {
        var node = new Proto.NodeProto { OpType = op, Name = name, Output = { name } };
        node.Input.AddRange(inputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static Proto.TensorProto Tensor(string name, float[] values, params long[] dims)
    {
        var tensor = new Proto.TensorProto { Name = name, DataType = (int)Proto.TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    private static Proto.AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new Proto.AttributeProto { Name = name, Type = Proto.AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static Proto.AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = Proto.AttributeProto.Types.AttributeType.Int, I = value };

    private static Proto.AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = Proto.AttributeProto.Types.AttributeType.Float, F = value };
}
