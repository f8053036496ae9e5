using Proto = Onnx;

namespace Scratch.Nn;

/// <summary>Makes and reads the attributes of ONNX nodes (<c>kernel_shape</c>, <c>pads</c>, <c>epsilon</c>, …).</summary>
internal static class OnnxAttributes
{
    /// <summary>An integer attribute, as Flatten's <c>axis</c>.</summary>
    public static Proto.AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = Proto.AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An integer-list attribute, as Conv's <c>pads</c>.</summary>
    public static Proto.AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new Proto.AttributeProto { Name = name, Type = Proto.AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float attribute, as BatchNormalization's <c>epsilon</c>.</summary>
    public static Proto.AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = Proto.AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A string attribute, as Pad's <c>mode</c>.</summary>
    public static Proto.AttributeProto String(string name, string value) =>
        new() { Name = name, Type = Proto.AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(value) };

    /// <summary>The attribute <paramref name="name"/> of <paramref name="node"/>, or null when absent.</summary>
    public static Proto.AttributeProto? Find(Proto.NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name);

    /// <summary>An integer attribute's value, or <paramref name="otherwise"/> when absent.</summary>
    public static long GetInt(Proto.NodeProto node, string name, long otherwise) =>
        Find(node, name) is { } a ? a.I : otherwise;

    /// <summary>An integer-list attribute's values, or <paramref name="otherwise"/> when absent.</summary>
    public static long[] GetInts(Proto.NodeProto node, string name, long[] otherwise) =>
        Find(node, name) is { } a ? a.Ints.ToArray() : otherwise;

    /// <summary>A float attribute's value, or <paramref name="otherwise"/> when absent.</summary>
    public static float GetFloat(Proto.NodeProto node, string name, float otherwise) =>
        Find(node, name) is { } a ? a.F : otherwise;

    /// <summary>A string attribute's value, or <paramref name="otherwise"/> when absent.</summary>
    public static string GetString(Proto.NodeProto node, string name, string otherwise) =>
        Find(node, name) is { } a ? a.S.ToStringUtf8() : otherwise;
}
