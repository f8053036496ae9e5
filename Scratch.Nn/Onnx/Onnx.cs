using System.Text.Json.Nodes;
using Google.Protobuf;
using Proto = Onnx;

namespace Scratch.Nn;

/// <summary>Exports a network to a standard ONNX model and imports one made of the book's operators.</summary>
/// <remarks>
/// <para>
/// An exported model (opset 18) reads <c>input</c>, (N, …) with a dynamic batch N, and has two outputs:
/// <c>output</c> = <c>softmax(logits)</c> over the last axis, the class probabilities, and <c>logits</c>, what
/// <see cref="Sequential.Predict"/> returns. The test-time behaviour is exported (running statistics, dropout at test time).
/// </para>
/// <para>
/// Layer → ONNX: Affine → Gemm (Flatten + Gemm on (N, C, H, W)); Convolution → Conv; Relu, Sigmoid, Tanh → the same;
/// MaxPooling → MaxPool (after a zero Pad of H and W when pad &gt; 0, since the layer pads with zeros and MaxPool with −∞);
/// AvgPooling → AveragePool with <c>count_include_pad=1</c>; BatchNormalization2d → BatchNormalization;
/// BatchNormalization → BatchNormalization on (N, D), or Shape + Flatten + BatchNormalization + Reshape on (N, C, H, W),
/// where each of the C·H·W positions is a feature; Dropout → nothing (Modern) or Mul by 1 − p (Book);
/// Flatten → Flatten. Parameters become initializers named by the book's keys (<c>W1</c>, <c>b1</c>, <c>gamma1</c>, …).
/// A batch norm keeps its own ε and writes its momentum in ONNX's rule <c>running = momentum·running + (1 − momentum)·batch</c>
/// (the book's; a PyTorch-convention momentum m becomes 1 − m). <see cref="Load"/> reads a node whose ε is PyTorch's 1e-5 as a
/// <see cref="BatchNormConvention.PyTorch"/> layer, any other ε as a <see cref="BatchNormConvention.Book"/> layer, each with the file's ε.
/// </para>
/// <para>
/// <see cref="Load"/> reads the same operators as <c>torch.onnx.export</c> writes them for a LeNet-style network:
/// Conv, Relu, Sigmoid, Tanh, MaxPool, AveragePool (each may follow a zero Pad of H and W), BatchNormalization, Flatten or Reshape to (N, −1), Gemm or
/// MatMul + Add, Dropout, Identity, Mul by a scalar in (0, 1] (the book's test-time dropout), and a final Softmax,
/// which is dropped: the network ends in <see cref="SoftmaxWithLoss"/>, so <c>Predict</c> gives the scores before it.
/// </para>
/// </remarks>
public static class Onnx
{
    /// <summary>The ONNX operator set <see cref="Save"/> writes.</summary>
    public const int OpsetVersion = 18;

    /// <summary>The name of the exported model's input, (N, …).</summary>
    public const string InputName = "input";

    /// <summary>The name of the exported model's probabilities, <c>softmax(logits)</c>.</summary>
    public const string OutputName = "output";

    /// <summary>The name of the exported model's scores, the result of <see cref="Sequential.Predict"/>.</summary>
    public const string LogitsName = "logits";

    /// <summary>Writes <paramref name="network"/> at test time to <paramref name="path"/> as an ONNX model.</summary>
    /// <param name="network">The layers to export; the loss layer is replaced by a Softmax.</param>
    /// <param name="path">The .onnx file; written to a temporary file first, then moved, so it is never half written.</param>
    /// <param name="inputShape">
    /// One sample's shape, e.g. <c>[1, 28, 28]</c>, −1 for a free length. By default the <c>inputDim</c> of a book network
    /// (<see cref="IDescribedNetwork"/>), else taken from the first layer: (D) for Affine and BatchNormalization,
    /// (C, −1, −1) for Convolution and BatchNormalization2d.
    /// </param>
    /// <exception cref="NotSupportedException">A layer has no ONNX counterpart.</exception>
    /// <exception cref="ArgumentException">The layers do not fit together, or the input shape cannot be told.</exception>
    public static void Save(Sequential network, string path, int[]? inputShape = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(path);
        Proto.ModelProto model = OnnxExporter.Export(network, inputShape ?? SampleShape(network));
        AtomicFile.Write(path, "Onnx.Save", model.WriteTo);
    }

    /// <summary>Builds a network from the ONNX model in <paramref name="path"/>; its initializers become the parameters.</summary>
    /// <remarks>The result ends in <see cref="SoftmaxWithLoss"/>; a final Softmax node in the model is dropped, so Predict gives the scores before it.</remarks>
    /// <exception cref="InvalidDataException">The file is not an ONNX model, is corrupt, its tensors do not fit its nodes, or its layers do not fit the input shape it declares.</exception>
    /// <exception cref="NotSupportedException">The model uses an operator (or an attribute value) that has no layer here; the message names the node.</exception>
    public static Sequential Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string name = Path.GetFileName(path);
        byte[] bytes = File.ReadAllBytes(path);
        Proto.ModelProto model;
        try
        {
            model = Proto.ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"Onnx.Load: {name} is not a readable ONNX model: {e.Message}", e);
        }
        catch (IndexOutOfRangeException e)   // Google.Protobuf 3.30 overruns its buffer on a length near 2³¹ instead of reporting it
        {
            throw new InvalidDataException($"Onnx.Load: {name} is not a readable ONNX model: a length field claims more than the file holds.", e);
        }
        return OnnxImporter.Import(model, name);
    }

    /// <summary>One sample's shape: the <c>inputDim</c> a book network was built with, else as the first layer fixes it.</summary>
    private static int[] SampleShape(Sequential network)
    {
        if (network is IDescribedNetwork described && JsonNode.Parse(described.Description.Arguments)?["inputDim"] is JsonArray inputDim)
            return inputDim.Select(d => d!.GetValue<int>()).ToArray();
        return network.Layers.FirstOrDefault() switch
        {
            Affine affine => [affine.W.Value.Dim(0)],
            BatchNormalization bn => [bn.Gamma.Value.Size],
            Convolution conv => [conv.W.Value.Dim(1), -1, -1],
            BatchNormalization2d bn => [bn.Gamma.Value.Size, -1, -1],
            var first => throw new ArgumentException(
                $"Onnx.Save: the first layer ({first?.GetType().Name ?? "none"}) does not fix the input shape; pass inputShape, e.g. [1, 28, 28].", "inputShape"),
        };
    }
}
