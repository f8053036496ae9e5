using Scratch.Tensors;
using Attr = Scratch.Nn.OnnxAttributes;
using Proto = Onnx;

namespace Scratch.Nn;

/// <summary>Turns an ONNX graph that is a chain of the book's operators into layers (see <see cref="Onnx.Load"/> for the operators).</summary>
/// <remarks>
/// The nodes are read in order; each must read the value the node before produced (its other inputs are initializers or
/// Constant nodes), so the graph is a chain from the single data input to a graph output. A few operators come in fixed
/// groups: Pad + MaxPool or AveragePool (zero padding, as the layers pad), MatMul + Add (a linear layer), and Shape + Flatten +
/// BatchNormalization + Reshape (the book's per-feature batch norm on (N, C, H, W), as <see cref="Onnx.Save"/> writes it).
/// </remarks>
internal sealed class OnnxImporter
{
    private const string Supported = "Conv, Relu, Sigmoid, Tanh, MaxPool, AveragePool, a zero Pad before a pool, BatchNormalization, Flatten, Reshape to (N, −1), Gemm, MatMul + Add, Dropout, Identity, Mul by a scalar, and a final Softmax";

    private readonly string _model;
    private readonly IReadOnlyList<Proto.NodeProto> _nodes;
    private readonly Dictionary<string, Proto.TensorProto> _constants = [];
    private readonly HashSet<string> _computed;   // the names nodes and the graph's data input provide
    private readonly List<ILayer> _layers = [];
    private string _value;   // the value the next node must read
    private int? _rank;      // its rank, when the model declares the input's
    private readonly long[]? _sample;   // one sample's shape (the input's without the batch), when the model declares every dim
    private int _next;       // index of the next node to read

    private OnnxImporter(Proto.GraphProto graph, string model)
    {
        _model = model;
        _nodes = graph.Node;
        foreach (Proto.TensorProto tensor in graph.Initializer)
            _constants[tensor.Name] = tensor;
        var inputs = graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new NotSupportedException($"Onnx.Load: {model} has {inputs.Count} data inputs ({string.Join(", ", inputs.Select(i => i.Name))}); expected one.");
        _value = inputs[0].Name;
        _computed = [.. graph.Node.SelectMany(n => n.Output), _value];
        Proto.TensorShapeProto? shape = inputs[0].Type?.TensorType?.Shape;
        _rank = shape?.Dim.Count;
        if (shape is { Dim.Count: > 0 } && shape.Dim.Skip(1).All(d => d.HasDimValue))
            _sample = shape.Dim.Skip(1).Select(d => d.DimValue).ToArray();
    }

    /// <summary>The network of <paramref name="model"/>, ending in <see cref="SoftmaxWithLoss"/>.</summary>
    public static Sequential Import(Proto.ModelProto model, string name)
    {
        if (model.IrVersion <= 0 || model.Graph is null || !model.OpsetImport.Any(o => o.Domain is "" or "ai.onnx"))
            throw new InvalidDataException($"Onnx.Load: {name} is not an ONNX model: no IR version, graph or operator set.");
        var importer = new OnnxImporter(model.Graph, name);
        while (importer._next < importer._nodes.Count)
            importer.Read(importer._nodes[importer._next]);
        if (!model.Graph.Output.Any(o => o.Name == importer._value))
            throw new InvalidDataException($"Onnx.Load: {name}: the chain of nodes ends at '{importer._value}', which is not an output of the graph.");
        if (importer._sample is long[] sample)
            CheckShapes(importer._layers, sample, name);
        return new Sequential(importer._layers, new SoftmaxWithLoss());
    }

    /// <summary>Follows one sample's shape through <paramref name="layers"/> without computing anything, so a model whose
    /// declared input, weights and attributes do not fit together is rejected here rather than at its first Predict.</summary>
    /// <remarks>Shapes exclude the batch. The walk stops quietly at a layer whose output shape it does not know.</remarks>
    /// <exception cref="InvalidDataException">A layer cannot take the shape the one before it gives.</exception>
    private static void CheckShapes(List<ILayer> layers, long[] sample, string model)
    {
        long[] shape = sample;
        if (shape.Any(d => d is <= 0 or > int.MaxValue))
            throw new InvalidDataException($"Onnx.Load: {model}: the data input declares dims (N, {string.Join(", ", shape)}); expected positive sizes.");
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is not (Relu or Sigmoid or Tanh or Dropout or Flatten or Affine or BatchNormalization or BatchNormalization2d
                                  or Convolution or MaxPooling or AvgPooling))
                return;   // a layer whose output shape is not known here: stop
            long size = shape.Aggregate(1L, (product, d) => product > int.MaxValue ? product : product * d);   // saturates: each d ≤ 2³¹
            long[]? next = layers[i] switch
            {
                Relu or Sigmoid or Tanh or Dropout => shape,
                Flatten => [size],
                Affine affine when size == affine.W.Value.Dim(0) => [affine.W.Value.Dim(1)],
                BatchNormalization bn when size == bn.Gamma.Value.Size => shape,
                BatchNormalization2d bn when shape.Length == 3 && shape[0] == bn.Gamma.Value.Size => shape,
                Convolution conv when shape.Length == 3 && shape[0] == conv.W.Value.Dim(1) =>
                    Window(shape, conv.W.Value.Dim(0), conv.W.Value.Dim(2), conv.W.Value.Dim(3), conv.Stride, conv.Pad),
                MaxPooling pool when shape.Length == 3 => Window(shape, shape[0], pool.PoolH, pool.PoolW, pool.Stride, pool.Pad),
                AvgPooling pool when shape.Length == 3 => Window(shape, shape[0], pool.PoolH, pool.PoolW, pool.Stride, pool.Pad),
                _ => null,
            };
            shape = next ?? throw new InvalidDataException($"Onnx.Load: {model}: layer {i} ({layers[i].GetType().Name}) does not fit its input (N, {string.Join(", ", shape)}), " +
                $"which the declared input (N, {string.Join(", ", sample)}) becomes after the layers before it.");
        }
    }

    /// <summary>The (C', H', W') a sliding window of <paramref name="h"/> × <paramref name="w"/> gives on (C, H, W); null when it does not fit.</summary>
    private static long[]? Window(long[] chw, long channels, long h, long w, long stride, long pad) =>
        stride > 0 && chw[1] + 2 * pad >= h && chw[2] + 2 * pad >= w
            ? [channels, (chw[1] + 2 * pad - h) / stride + 1, (chw[2] + 2 * pad - w) / stride + 1]
            : null;

    /// <summary>Reads the node at <see cref="_next"/> (and the nodes of its group) into a layer.</summary>
    private void Read(Proto.NodeProto node)
    {
        if (node.Domain is not ("" or "ai.onnx"))
            throw Unsupported(node, $"is from operator domain '{node.Domain}'");
        if (Output(node).Length == 0)
            throw Invalid(node, "has no output");
        if (node.OpType == "Constant")
        {
            Proto.TensorProto value = Attr.Find(node, "value")?.T ?? throw Unsupported(node, "holds something other than a tensor 'value'");
            _constants[node.Output[0]] = value;
            _next++;
            return;
        }
        CheckReadsChain(node);
        switch (node.OpType)
        {
            case "Identity":
                break;
            case "Relu":
                _layers.Add(new Relu());
                break;
            case "Sigmoid":
                _layers.Add(new Sigmoid());
                break;
            case "Tanh":
                _layers.Add(new Tanh());
                break;
            case "Conv":
                ReadConv(node);
                break;
            case "Pad":
                ReadPad(node);
                return;
            case "MaxPool" or "AveragePool":
                ReadPool(node, pad: 0);
                break;
            case "BatchNormalization":
                ReadBatchNorm(node);
                break;
            case "Shape":
                ReadPerFeatureBatchNorm(node);
                return;
            case "Flatten":
                if (Attr.GetInt(node, "axis", 1) != 1)
                    throw Unsupported(node, $"flattens from axis {Attr.GetInt(node, "axis", 1)}; only axis 1, (N, …) → (N, D), has a layer");
                _layers.Add(new Flatten());
                _rank = 2;
                break;
            case "Reshape":
                ReadReshape(node);
                break;
            case "Gemm":
                ReadGemm(node);
                break;
            case "MatMul":
                ReadMatMul(node);
                return;
            case "Dropout":
                ReadDropout(node);
                break;
            case "Mul":
                ReadScale(node);
                break;
            case "Softmax":
                long axis = Attr.GetInt(node, "axis", -1);
                if (_next != _nodes.Count - 1 || !(axis == -1 || axis == _rank - 1))
                    throw Unsupported(node, "is not a softmax over the last axis at the end of the graph (the only place a softmax is read: the network's SoftmaxWithLoss applies it)");
                break;
            default:
                throw Unsupported(node, $"has no layer here; supported: {Supported}");
        }
        Advance(node);
    }

    private void ReadConv(Proto.NodeProto node)
    {
        NDArray w = Float(node, 1, rank: 4, "W (FN, C, FH, FW)");
        NDArray b = OptionalFloat(node, 2) ?? NDArray.Zeros(w.Dim(0));
        long[] kernel = Attr.GetInts(node, "kernel_shape", [w.Dim(2), w.Dim(3)]);
        if (kernel.Length != 2 || kernel[0] != w.Dim(2) || kernel[1] != w.Dim(3))
            throw Invalid(node, $"kernel_shape ({string.Join(", ", kernel)}) does not match W {Shapes.Format(w.Shape)}");
        if (Attr.GetInt(node, "group", 1) != 1)
            throw Unsupported(node, $"is a grouped convolution (group {Attr.GetInt(node, "group", 1)}); Convolution has group 1");
        if (Attr.GetInts(node, "dilations", [1, 1]).Any(d => d != 1))
            throw Unsupported(node, "is dilated; Convolution has dilation 1");
        var (stride, pad) = Window(node);
        RequireRank(node, 4);
        _layers.Add(Make(node, () => new Convolution(w, b, stride, pad)));
    }

    /// <summary>MaxPool, or AveragePool (padding counted as zeros), as MaxPooling/AvgPooling; <paramref name="pad"/> comes from a Pad node before it.</summary>
    private void ReadPool(Proto.NodeProto node, int pad)
    {
        long[] kernel = Attr.GetInts(node, "kernel_shape", []);
        if (kernel.Length != 2 || kernel.Any(k => k <= 0 || k > int.MaxValue))
            throw Invalid(node, $"has kernel_shape ({string.Join(", ", kernel)}); expected two positive lengths");
        if (Attr.GetInt(node, "ceil_mode", 0) != 0)
            throw Unsupported(node, "rounds the output size up (ceil_mode=1); the pooling layers round down");
        if (Attr.GetInts(node, "dilations", [1, 1]).Any(d => d != 1))
            throw Unsupported(node, "is dilated; the pooling layers have dilation 1");
        if (node.Output.Skip(1).Any(o => o.Length > 0))
            throw Unsupported(node, "also outputs the indices of the maxima");
        var (stride, ownPad) = Window(node);
        RequireRank(node, 4);
        if (node.OpType == "MaxPool")
        {
            if (ownPad != 0)
                throw Unsupported(node, "pads with −∞ (MaxPool's pads); MaxPooling pads with zeros, as the book's im2col, which only a Pad node before it expresses");
            _layers.Add(Make(node, () => new MaxPooling((int)kernel[0], (int)kernel[1], stride, pad)));
            return;
        }
        if (ownPad != 0 && Attr.GetInt(node, "count_include_pad", 0) == 0)
            throw Unsupported(node, "leaves the padding out of the average (count_include_pad=0); AvgPooling divides by the whole window");
        if (ownPad != 0 && pad != 0)
            throw Unsupported(node, "pads what a Pad node already padded");
        _layers.Add(Make(node, () => new AvgPooling((int)kernel[0], (int)kernel[1], stride, pad + ownPad)));
    }

    /// <summary>
    /// A zero Pad of H and W: nothing when it pads by 0 (PyTorch writes one before AveragePool), else it must be followed by a
    /// MaxPool or AveragePool without pads of its own, and the two become MaxPooling/AvgPooling with that pad (both layers pad with zeros).
    /// </summary>
    /// <remarks>The pads are (0, 0, p, p, 0, 0, p, p) over all four axes, or (p, p, p, p) with axes (2, 3) as Save writes them.</remarks>
    private void ReadPad(Proto.NodeProto node)
    {
        const string Expected = "is not a zero Pad of H and W alike followed by a MaxPool or AveragePool; no other padding has a layer";
        if (Attr.GetString(node, "mode", "constant") != "constant" || node.Input.Count is < 2 or > 4)
            throw Unsupported(node, Expected);
        long[] pads = OnnxTensors.ToInt64(Constant(node, 1), _model);
        bool zeroValue = Input(node, 2).Length == 0 || OnnxTensors.ToNDArray(Constant(node, 2), _model).ToArray().All(v => v == 0f);
        long[] axes = Input(node, 3).Length == 0 ? [0, 1, 2, 3] : OnnxTensors.ToInt64(Constant(node, 3), _model);
        long[] padded = axes.Select(a => a < 0 ? a + 4 : a).ToArray();
        long p = pads.Length > 0 ? pads.Max() : 0;
        // Each padded axis gets pads[i] before and pads[i + axes] after; only H and W may be padded, by p on every side.
        bool onlyHW = pads.Length == 2 * padded.Length && p <= int.MaxValue
            && padded.Select((axis, i) => axis is 2 or 3 ? pads[i] == p && pads[i + padded.Length] == p : pads[i] == 0 && pads[i + padded.Length] == 0).All(ok => ok)
            && padded.Count(axis => axis is 2 or 3) == 2;
        if (!zeroValue || !onlyHW)
            throw Unsupported(node, Expected);
        if (p == 0)
        {
            Advance(node);
            return;
        }
        Proto.NodeProto? pool = _next + 1 < _nodes.Count ? _nodes[_next + 1] : null;
        if (pool is not { OpType: "MaxPool" or "AveragePool" } || pool.Input.Count != 1 || pool.Input[0] != node.Output[0])
            throw Unsupported(node, Expected);
        _value = node.Output[0];
        _next++;
        ReadPool(pool, (int)p);
        Advance(pool);
    }

    /// <summary>BatchNormalization in inference mode: per channel (BatchNormalization2d) on (N, C, H, W), per feature on (N, D).</summary>
    private void ReadBatchNorm(Proto.NodeProto node)
    {
        if (_rank is not (2 or 4))
            throw Unsupported(node, $"normalizes a value of rank {_rank?.ToString() ?? "unknown"}; only (N, D) and (N, C, H, W) have a layer");
        ILayer layer = BatchNormLayer(node, perChannel: _rank == 4);
        _layers.Add(layer);
    }

    /// <summary>Shape(x), Flatten(x), BatchNormalization, Reshape(·, shape): the book's per-feature batch norm on (N, C, H, W).</summary>
    private void ReadPerFeatureBatchNorm(Proto.NodeProto shape)
    {
        Proto.NodeProto? Node(int offset) => _next + offset < _nodes.Count ? _nodes[_next + offset] : null;
        if (Node(1) is not { OpType: "Flatten" } flatten || Input(flatten, 0) != _value || Attr.GetInt(flatten, "axis", 1) != 1
            || Node(2) is not { OpType: "BatchNormalization" } bn || Input(bn, 0) != Output(flatten) || Output(bn).Length == 0
            || Node(3) is not { OpType: "Reshape" } reshape || reshape.Input.Count != 2 || Input(reshape, 0) != Output(bn) || Input(reshape, 1) != Output(shape))
            throw Unsupported(shape, "is not the start of Shape(x), Flatten(x), BatchNormalization, Reshape(·, shape) (the book's per-feature batch norm); Shape has no layer otherwise");
        _layers.Add(BatchNormLayer(bn, perChannel: false));
        _next += 3;
        Advance(reshape);
    }

    /// <summary>
    /// The batch-norm layer of <paramref name="node"/>, with the file's ε and momentum. ONNX's running update is the book's,
    /// <c>running = momentum·running + (1 − momentum)·batch</c>; a node with PyTorch's ε (1e-5, as <c>torch.onnx.export</c>
    /// writes BatchNorm1d/2d) becomes a <see cref="BatchNormConvention.PyTorch"/> layer with momentum 1 − momentum, any other
    /// a <see cref="BatchNormConvention.Book"/> layer.
    /// </summary>
    private ILayer BatchNormLayer(Proto.NodeProto node, bool perChannel)
    {
        if (Attr.GetInt(node, "training_mode", 0) != 0 || node.Output.Skip(1).Any(o => o.Length > 0))
            throw Unsupported(node, "is in training mode; only inference batch norm (running statistics) is read");
        if (node.Input.Count != 5)
            throw Invalid(node, $"has {node.Input.Count} inputs; expected x, scale, B, mean and var");
        NDArray gamma = Float(node, 1, rank: 1, "scale (C)"), beta = Float(node, 2, rank: 1, "B (C)");
        NDArray mean = Float(node, 3, rank: 1, "mean (C)"), variance = Float(node, 4, rank: 1, "var (C)");
        float epsilon = Attr.GetFloat(node, "epsilon", 1e-5f), momentum = Attr.GetFloat(node, "momentum", 0.9f);
        if (!(epsilon > 0 && float.IsFinite(epsilon)))
            throw Invalid(node, $"has epsilon {epsilon}; expected a positive finite number");
        if (!(momentum >= 0 && momentum <= 1))
            throw Invalid(node, $"has momentum {momentum}; expected a number in [0, 1]");
        var convention = epsilon == BatchNormalization.PyTorchEpsilon ? BatchNormConvention.PyTorch : BatchNormConvention.Book;
        if (convention == BatchNormConvention.PyTorch)
            momentum = (float)(1.0 - momentum);
        return Make(node, () => perChannel
            ? new BatchNormalization2d(gamma, beta, momentum, mean, variance, convention, epsilon)
            : new BatchNormalization(gamma, beta, momentum, mean, variance, convention, epsilon));
    }

    /// <summary>Reshape to (N, −1), as PyTorch's <c>x.view(x.size(0), −1)</c> with a constant shape: a Flatten.</summary>
    private void ReadReshape(Proto.NodeProto node)
    {
        long[] shape = OnnxTensors.ToInt64(Constant(node, 1), _model);
        bool allowZero = Attr.GetInt(node, "allowzero", 0) != 0;
        bool keepsBatch = shape.Length == 2 && ((shape[0] == 0 && !allowZero) || shape[0] == -1);
        bool flattens = keepsBatch && (shape[1] == -1 && shape[0] == 0 || shape[1] > 0 && NextIsLinear());
        if (!flattens)
            throw Unsupported(node, $"reshapes to ({string.Join(", ", shape)}); only (0, −1), or (−1, D) right before a linear layer, is a Flatten");
        _layers.Add(new Flatten());
        _rank = 2;
    }

    private bool NextIsLinear() => _next + 1 < _nodes.Count && _nodes[_next + 1].OpType is "Gemm" or "MatMul";

    /// <summary>Gemm <c>Y = α·A·B' + β·C</c> with a constant B (transposed when transB = 1) and C: an Affine with W = α·B' and b = β·C.</summary>
    private void ReadGemm(Proto.NodeProto node)
    {
        if (Attr.GetInt(node, "transA", 0) != 0)
            throw Unsupported(node, "transposes its data input (transA=1)");
        NDArray w = Float(node, 1, rank: 2, "B (K, M) or (M, K)");
        if (Attr.GetInt(node, "transB", 0) != 0)
            w = w.T.Contiguous();
        float alpha = Attr.GetFloat(node, "alpha", 1f), beta = Attr.GetFloat(node, "beta", 1f);
        if (alpha != 1f)
            w = w * alpha;
        NDArray b = Bias(node, OptionalFloat(node, 2), w.Dim(1));
        if (beta != 1f)
            b = b * beta;
        _layers.Add(Make(node, () => new Affine(w, b)));
        _rank = 2;
    }

    /// <summary>MatMul by a constant (K, M) on (N, K), and the Add of a constant (M) that follows it, if any: an Affine.</summary>
    private void ReadMatMul(Proto.NodeProto node)
    {
        RequireRank(node, 2);
        NDArray w = Float(node, 1, rank: 2, "B (K, M)");
        Proto.NodeProto? add = _next + 1 < _nodes.Count ? _nodes[_next + 1] : null;
        NDArray? b = null;
        if (add is { OpType: "Add" } && add.Input.Count == 2 && add.Input.Contains(node.Output[0]))
        {
            int biasInput = add.Input[0] == node.Output[0] ? 1 : 0;
            b = Bias(add, OnnxTensors.ToNDArray(Constant(add, biasInput), _model), w.Dim(1));
            _next++;
        }
        _layers.Add(Make(node, () => new Affine(w, b ?? NDArray.Zeros(w.Dim(1)))));
        _rank = 2;
        Advance(b is null ? node : add!);
    }

    /// <summary>Dropout at inference is the identity: a Modern (inverted) Dropout layer with the model's ratio.</summary>
    private void ReadDropout(Proto.NodeProto node)
    {
        if (Input(node, 2).Length > 0 && AnyTrue(Constant(node, 2)))
            throw Unsupported(node, "is in training mode");
        float ratio = Input(node, 1).Length > 0
            ? OnnxTensors.ToNDArray(Constant(node, 1), _model).ToArray().Single()
            : Attr.GetFloat(node, "ratio", 0.5f);
        _layers.Add(Make(node, () => new Dropout(ratio, Semantics.Modern)));
    }

    /// <summary>Mul by a scalar c in (0, 1]: the book's dropout at test time, <c>x·(1 − p)</c> with p = 1 − c.</summary>
    private void ReadScale(Proto.NodeProto node)
    {
        if (node.Input.Count != 2 || !_constants.ContainsKey(node.Input[1]))
            throw Unsupported(node, "multiplies by something other than a constant; only Mul by a scalar in (0, 1], the book's test-time dropout, has a layer");
        float[] values = OnnxTensors.ToNDArray(Constant(node, 1), _model).ToArray();
        float c = values.Length == 1 ? values[0] : float.NaN;
        if (!(c > 0f && c <= 1f))
            throw Unsupported(node, $"multiplies by {(values.Length == 1 ? c.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{values.Length} values")}; only a scalar in (0, 1], the book's test-time dropout x·(1 − p), has a layer");
        // The layer computes 1f − p at test time: pick the p next to 1 − c that gives c back exactly.
        float p = 1f - c;
        foreach (float candidate in (float[])[p, MathF.BitDecrement(p), MathF.BitIncrement(p)])
            if (candidate >= 0f && candidate < 1f && 1f - candidate == c)
            {
                _layers.Add(new Dropout(candidate, Semantics.Book));
                return;
            }
        throw Unsupported(node, $"multiplies by {c}, which no dropout ratio p gives as 1 − p in float32");
    }

    /// <summary>The bias of a linear layer as (M): from (M), (1, M), a scalar, or zeros when absent.</summary>
    private NDArray Bias(Proto.NodeProto node, NDArray? c, int m)
    {
        if (c is null) return NDArray.Zeros(m);
        if (c.Size == m && (c.Rank == 1 || (c.Rank == 2 && c.Dim(0) == 1))) return c.Reshape(m).Contiguous();
        if (c.Size == 1) return NDArray.Full([m], c.ToArray()[0]);
        throw Unsupported(node, $"adds a bias {Shapes.Format(c.Shape)}; a linear layer with {m} outputs takes ({m},), (1, {m}) or a scalar");
    }

    /// <summary>Strides and pads of a Conv or pooling node, which must be the same along H and W.</summary>
    private (int Stride, int Pad) Window(Proto.NodeProto node)
    {
        string autoPad = Attr.GetString(node, "auto_pad", "NOTSET");
        long[] strides = Attr.GetInts(node, "strides", [1, 1]), pads = Attr.GetInts(node, "pads", [0, 0, 0, 0]);
        if (autoPad is not ("NOTSET" or "VALID") || (autoPad == "VALID" && pads.Any(p => p != 0)))
            throw Unsupported(node, $"pads automatically (auto_pad={autoPad}); give explicit pads");
        if (strides.Length != 2 || strides[0] != strides[1] || strides[0] <= 0 || strides[0] > int.MaxValue)
            throw Unsupported(node, $"has strides ({string.Join(", ", strides)}); the layers take one stride for H and W");
        if (pads.Length != 4 || pads.Any(p => p != pads[0]) || pads[0] < 0 || pads[0] > int.MaxValue)
            throw Unsupported(node, $"has pads ({string.Join(", ", pads)}); the layers pad all four sides alike");
        return ((int)strides[0], (int)pads[0]);
    }

    /// <summary>Input <paramref name="index"/> of <paramref name="node"/> as a float array of the given rank.</summary>
    private NDArray Float(Proto.NodeProto node, int index, int rank, string expected)
    {
        if (node.Input.Count <= index || node.Input[index].Length == 0)
            throw Invalid(node, $"has no input {index}; expected {expected}");
        NDArray value = OnnxTensors.ToNDArray(Constant(node, index), _model);
        if (value.Rank != rank)
            throw Invalid(node, $"input '{node.Input[index]}' is {Shapes.Format(value.Shape)}; expected {expected}");
        return value;
    }

    private NDArray? OptionalFloat(Proto.NodeProto node, int index) =>
        node.Input.Count > index && node.Input[index].Length > 0 ? OnnxTensors.ToNDArray(Constant(node, index), _model) : null;

    /// <summary>The initializer (or Constant node output) read as input <paramref name="index"/> of <paramref name="node"/>.</summary>
    private Proto.TensorProto Constant(Proto.NodeProto node, int index) =>
        _constants.TryGetValue(node.Input[index], out Proto.TensorProto? tensor) ? tensor
            : _computed.Contains(node.Input[index])
                ? throw Unsupported(node, $"reads '{node.Input[index]}' as input {index}, which is computed, not an initializer; only weights and constants may come from elsewhere than the chain")
                : throw Invalid(node, $"reads '{node.Input[index]}' as input {index}, which no initializer, node or graph input provides");

    /// <summary>Whether a bool tensor (Dropout's training_mode) holds a true: any non-zero byte or int32 value.</summary>
    private static bool AnyTrue(Proto.TensorProto tensor) =>
        tensor.RawData.Span.IndexOfAnyExcept((byte)0) >= 0 || tensor.Int32Data.Any(v => v != 0);

    /// <summary>The node's first input must be the chain's current value.</summary>
    private void CheckReadsChain(Proto.NodeProto node)
    {
        if (node.Input.Count == 0 || node.Input[0] != _value)
        {
            if (node.OpType == "Mul" && node.Input.Count == 2 && node.Input[1] == _value)
            {
                (node.Input[0], node.Input[1]) = (node.Input[1], node.Input[0]);   // c·x: read as x·c
                return;
            }
            throw Unsupported(node, $"reads '{Input(node, 0)}', not '{_value}' (the value before it); only a chain of layers is read");
        }
    }

    private void RequireRank(Proto.NodeProto node, int rank)
    {
        if (_rank is int r && r != rank)
            throw Unsupported(node, $"reads a value of rank {r}; its layer takes rank {rank}");
    }

    /// <summary>The node's output becomes the chain's current value.</summary>
    private void Advance(Proto.NodeProto node)
    {
        _value = Output(node).Length > 0 ? Output(node) : throw Invalid(node, "has no output");
        _next++;
    }

    /// <summary>Input <paramref name="index"/>'s name, or "" when the node has fewer inputs.</summary>
    private static string Input(Proto.NodeProto node, int index) => index < node.Input.Count ? node.Input[index] : "";

    /// <summary>The first output's name, or "" when the node has none.</summary>
    private static string Output(Proto.NodeProto node) => node.Output.Count > 0 ? node.Output[0] : "";

    /// <summary>Runs a layer constructor, turning its argument errors (shapes that do not fit) into <see cref="InvalidDataException"/>.</summary>
    private ILayer Make(Proto.NodeProto node, Func<ILayer> make)
    {
        try
        {
            return make();
        }
        catch (ArgumentException e)
        {
            throw Invalid(node, e.Message);
        }
    }

    private NotSupportedException Unsupported(Proto.NodeProto node, string what) =>
        new($"Onnx.Load: {_model}: node '{node.Name}' ({node.OpType}) {what}.");

    private InvalidDataException Invalid(Proto.NodeProto node, string what) =>
        new($"Onnx.Load: {_model}: node '{node.Name}' ({node.OpType}): {what}.");
}
