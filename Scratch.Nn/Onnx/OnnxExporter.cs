using System.Reflection;
using Scratch.Optim;
using Scratch.Tensors;
using Attr = Scratch.Nn.OnnxAttributes;
using Proto = Onnx;

namespace Scratch.Nn;

/// <summary>Writes a <see cref="Sequential"/> network as an ONNX graph, one layer after the other (see <see cref="Onnx.Save"/> for the mapping).</summary>
/// <remarks>
/// Values are named after the layer that makes them (<c>Convolution1</c>, <c>Relu1</c>, …), initializers after the book's
/// keys (<c>W1</c>, <c>b1</c>, <c>gamma1</c>, <c>RunningMean1</c>, …). The shape of the value flowing between layers is tracked
/// (null for a length the network does not fix), so each layer is checked against what it receives.
/// </remarks>
internal sealed class OnnxExporter
{
    private readonly Proto.GraphProto _graph = new() { Name = "scratch" };
    private readonly Dictionary<Parameter, string> _keys;
    private readonly Dictionary<string, int> _layerCounts = [];
    private int _batchNorms;
    private string _value = Onnx.InputName;   // the value the next layer reads
    private int?[] _dims;                     // its shape; [0] is the batch, always null (dynamic)

    private OnnxExporter(Sequential network, int[] sampleShape)
    {
        _keys = network.Params.ToDictionary(p => p.Value, p => p.Key);   // Parameter is a class: keyed by reference
        _dims = [null, .. sampleShape.Select(d => d < 0 ? (int?)null : d)];
    }

    /// <summary>The ONNX model of <paramref name="network"/>, reading inputs (N, <paramref name="sampleShape"/>…) with −1 for a free length.</summary>
    public static Proto.ModelProto Export(Sequential network, int[] sampleShape)
    {
        var exporter = new OnnxExporter(network, sampleShape);
        exporter._graph.Input.Add(ValueInfo(Onnx.InputName, exporter._dims));
        for (int k = 0; k < network.Layers.Count; k++)
            exporter.Add(network.Layers[k], k);
        exporter.Finish();

        var model = new Proto.ModelProto
        {
            IrVersion = 8,   // the IR version that goes with opset 18
            ProducerName = "Scratch",
            ProducerVersion = typeof(Onnx).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            DocString = $"{network.GetType().Name} exported by Scratch. Outputs: '{Onnx.OutputName}' = softmax('{Onnx.LogitsName}') over the last axis, the class probabilities; '{Onnx.LogitsName}' = the scores of Predict.",
            Graph = exporter._graph,
        };
        model.OpsetImport.Add(new Proto.OperatorSetIdProto { Domain = "", Version = Onnx.OpsetVersion });
        model.MetadataProps.Add(new Proto.StringStringEntryProto { Key = "network", Value = network.GetType().Name });
        if (network is IDescribedNetwork described)   // how to build it again, as a safetensors checkpoint records it
            model.MetadataProps.Add(new Proto.StringStringEntryProto { Key = "args", Value = described.Description.Arguments });
        return model;
    }

    /// <summary>Appends the nodes of layer <paramref name="k"/> (0-based) to the graph.</summary>
    private void Add(ILayer layer, int k)
    {
        string name = layer.GetType().Name;
        string node = name + (_layerCounts[name] = _layerCounts.GetValueOrDefault(name) + 1);
        switch (layer)
        {
            case Affine affine:
                if (_dims.Length != 2)
                    Node("Flatten", node + "/Flatten", [_value], [Attr.Int("axis", 1)], [null, Product(_dims[1..])]);
                Expect(k, layer, 2, affine.W.Value.Dim(0), "(N, D)");
                Node("Gemm", node, [_value, Initializer(affine.W), Initializer(affine.B)], [], [null, affine.W.Value.Dim(1)]);
                break;
            case Convolution conv:
                int fn = conv.W.Value.Dim(0), fh = conv.W.Value.Dim(2), fw = conv.W.Value.Dim(3), s = conv.Stride, p = conv.Pad;
                Expect(k, layer, 4, conv.W.Value.Dim(1), "(N, C, H, W)");
                Node("Conv", node, [_value, Initializer(conv.W), Initializer(conv.B)],
                    [Attr.Ints("kernel_shape", fh, fw), Attr.Ints("strides", s, s), Attr.Ints("pads", p, p, p, p), Attr.Ints("dilations", 1, 1), Attr.Int("group", 1)],
                    [null, fn, OutLength(_dims[2], fh, s, p), OutLength(_dims[3], fw, s, p)]);
                break;
            case Relu:
                Node("Relu", node, [_value], [], _dims);
                break;
            case Sigmoid:
                Node("Sigmoid", node, [_value], [], _dims);
                break;
            case Tanh:
                Node("Tanh", node, [_value], [], _dims);
                break;
            case MaxPooling pool:
                Expect(k, layer, 4, null, "(N, C, H, W)");
                if (pool.Pad > 0)   // MaxPool pads with −∞; the layer's padding is zeros, as the book's im2col: pad first
                {
                    // Naming the axes (H and W) also keeps ONNX Runtime from fusing this Pad into the MaxPool's own −∞ padding.
                    int q = pool.Pad;
                    string pads = Constant(node + "/pads", OnnxTensors.FromInt64(node + "/pads", q, q, q, q));
                    string zero = Constant(node + "/zero", OnnxTensors.FromNDArray(node + "/zero", NDArray.Scalar(0f)));
                    string axes = Constant(node + "/axes", OnnxTensors.FromInt64(node + "/axes", 2, 3));
                    Node("Pad", node + "/Pad", [_value, pads, zero, axes], [Attr.String("mode", "constant")],
                        [null, _dims[1], _dims[2] + 2 * q, _dims[3] + 2 * q]);
                }
                Node("MaxPool", node, [_value], [Attr.Ints("kernel_shape", pool.PoolH, pool.PoolW), Attr.Ints("strides", pool.Stride, pool.Stride)],
                    [null, _dims[1], OutLength(_dims[2], pool.PoolH, pool.Stride, 0), OutLength(_dims[3], pool.PoolW, pool.Stride, 0)]);
                break;
            case AvgPooling pool:
                Expect(k, layer, 4, null, "(N, C, H, W)");
                int pp = pool.Pad;
                Node("AveragePool", node, [_value],
                    [Attr.Ints("kernel_shape", pool.PoolH, pool.PoolW), Attr.Ints("strides", pool.Stride, pool.Stride), Attr.Ints("pads", pp, pp, pp, pp), Attr.Int("count_include_pad", 1)],
                    [null, _dims[1], OutLength(_dims[2], pool.PoolH, pool.Stride, pp), OutLength(_dims[3], pool.PoolW, pool.Stride, pp)]);
                break;
            case BatchNormalization2d bn:
                Expect(k, layer, 4, bn.Gamma.Value.Size, "(N, C, H, W)");
                Node("BatchNormalization", node, BatchNormInputs(bn), BatchNormAttributes(bn), _dims);
                break;
            case BatchNormalization bn:
                AddPerFeatureBatchNorm(bn, k, node);
                break;
            case Dropout dropout:
                if (dropout.Semantics == Semantics.Book)   // the book's test time: x·(1 − p); Modern's is the identity, no node
                {
                    string scale = Constant(node + "/scale", OnnxTensors.FromNDArray(node + "/scale", NDArray.Scalar(1f - dropout.DropoutRatio)));
                    Node("Mul", node, [_value, scale], [], _dims);
                }
                break;
            case Flatten:
                Node("Flatten", node, [_value], [Attr.Int("axis", 1)], [null, Product(_dims[1..])]);
                break;
            default:
                throw new NotSupportedException($"Onnx.Save: layer {k} ({name}) has no ONNX counterpart; supported: Affine, Convolution, Relu, Sigmoid, Tanh, MaxPooling, AvgPooling, BatchNormalization, BatchNormalization2d, Dropout, Flatten.");
        }
    }

    /// <summary>
    /// The book's per-feature batch norm. On (N, D) it is ONNX's BatchNormalization as is; on (N, C, H, W) every position is a
    /// feature, so the graph flattens to (N, C·H·W), normalizes, and reshapes back to x's own shape.
    /// </summary>
    private void AddPerFeatureBatchNorm(BatchNormalization bn, int k, string node)
    {
        int d = bn.Gamma.Value.Size;
        int?[] dims = _dims;
        if (dims.Length < 2 || (Product(dims[1..]) is int size && size != d))
            throw new ArgumentException($"Onnx.Save: layer {k} (BatchNormalization) has {d} features but receives {Format(dims)}.");
        Proto.AttributeProto[] attributes = BatchNormAttributes(bn);
        if (dims.Length == 2)
        {
            Node("BatchNormalization", node, BatchNormInputs(bn), attributes, dims);
            return;
        }
        string x = _value;
        Node("Shape", node + "/Shape", [x], [], [dims.Length]);
        string shape = _value;
        _value = x;
        Node("Flatten", node + "/Flatten", [x], [Attr.Int("axis", 1)], [null, d]);
        Node("BatchNormalization", node + "/BatchNormalization", BatchNormInputs(bn), attributes, [null, d]);
        Node("Reshape", node, [_value, shape], [], dims);
    }

    /// <summary>
    /// The layer's own ε, and its momentum in ONNX's rule <c>running = momentum·running + (1 − momentum)·batch</c>, which is the book's:
    /// a PyTorch-convention momentum m is written as 1 − m, as <c>torch.onnx.export</c> does.
    /// </summary>
    private static Proto.AttributeProto[] BatchNormAttributes(IRunningStatistics bn) =>
        [Attr.Float("epsilon", bn.Eps), Attr.Float("momentum", bn.Convention == BatchNormConvention.Book ? bn.Momentum : (float)(1.0 - bn.Momentum))];

    /// <summary>x, γ, β, running mean and running variance (when the layer has not run yet, those its first Forward would start from).</summary>
    private string[] BatchNormInputs(IRunningStatistics bn)
    {
        int index = ++_batchNorms;
        var (runningMean, runningVar) = Checkpoint.RunningStatistics(bn);
        string mean = Constant($"RunningMean{index}", OnnxTensors.FromNDArray($"RunningMean{index}", runningMean));
        string variance = Constant($"RunningVar{index}", OnnxTensors.FromNDArray($"RunningVar{index}", runningVar));
        var beta = ((ILayer)bn).Parameters.Single(p => p.Name == "beta");
        return [_value, Initializer(bn.Gamma), Initializer(beta), mean, variance];
    }

    /// <summary>Names the last value <c>logits</c> and adds <c>output = Softmax(logits)</c> over the last axis.</summary>
    private void Finish()
    {
        int?[] dims = _dims;
        Proto.NodeProto? last = _graph.Node.LastOrDefault();
        if (last is not null && last.Output[0] == _value)
            last.Output[0] = Onnx.LogitsName;
        else   // no layer made a node (an empty network, or only Modern dropout): pass the input through
            _graph.Node.Add(new Proto.NodeProto { Name = "Identity", OpType = "Identity", Input = { _value }, Output = { Onnx.LogitsName } });
        _value = Onnx.LogitsName;
        Node("Softmax", "Softmax", [_value], [Attr.Int("axis", -1)], dims);
        _graph.Node[^1].Output[0] = Onnx.OutputName;
        _graph.Output.Add(ValueInfo(Onnx.OutputName, dims));
        _graph.Output.Add(ValueInfo(Onnx.LogitsName, dims));
    }

    /// <summary>Appends one node reading <paramref name="inputs"/>; its output (named as the node) becomes the current value.</summary>
    private void Node(string op, string name, string[] inputs, Proto.AttributeProto[] attributes, int?[] outDims)
    {
        var node = new Proto.NodeProto { Name = name, OpType = op };
        node.Input.AddRange(inputs);
        node.Output.Add(name);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        _value = name;
        _dims = outDims;
    }

    /// <summary>Adds a parameter's value as an initializer named by its book key.</summary>
    private string Initializer(Parameter parameter) => Constant(_keys[parameter], OnnxTensors.FromNDArray(_keys[parameter], parameter.Value));

    private string Constant(string name, Proto.TensorProto tensor)
    {
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Checks that layer <paramref name="k"/> receives rank <paramref name="rank"/> with <paramref name="features"/> in axis 1 (when both are known).</summary>
    private void Expect(int k, ILayer layer, int rank, int? features, string expected)
    {
        int? actual = rank == 2 && _dims.Length >= 2 ? Product(_dims[1..]) : _dims.Length > 1 ? _dims[1] : null;
        if (_dims.Length != rank || (features is int f && actual is int a && a != f))
            throw new ArgumentException($"Onnx.Save: layer {k} ({layer.GetType().Name}) expects x {expected}{(features is int g ? $" with {g} in axis 1" : "")}, but the layers before it give {Format(_dims)}.");
    }

    private static int? OutLength(int? length, int window, int stride, int pad) => length is int n ? (n + 2 * pad - window) / stride + 1 : null;

    private static int? Product(int?[] dims) => dims.Aggregate((int?)1, (p, d) => p * d);

    private static string Format(int?[] dims) => "(" + string.Join(", ", dims.Select((d, i) => i == 0 ? "N" : d?.ToString() ?? "?")) + ")";

    /// <summary>A float tensor's declaration: the batch axis is the symbol <c>N</c>, lengths the network does not fix stay unnamed.</summary>
    private static Proto.ValueInfoProto ValueInfo(string name, int?[] dims)
    {
        var shape = new Proto.TensorShapeProto();
        for (int i = 0; i < dims.Length; i++)
            shape.Dim.Add(i == 0 ? new Proto.TensorShapeProto.Types.Dimension { DimParam = "N" }
                : dims[i] is int d ? new Proto.TensorShapeProto.Types.Dimension { DimValue = d }
                : new Proto.TensorShapeProto.Types.Dimension());
        var tensor = new Proto.TypeProto.Types.Tensor { ElemType = (int)Proto.TensorProto.Types.DataType.Float, Shape = shape };
        return new Proto.ValueInfoProto { Name = name, Type = new Proto.TypeProto { TensorType = tensor } };
    }
}
