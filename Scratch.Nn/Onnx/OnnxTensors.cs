using System.Buffers.Binary;
using Scratch.Tensors;
using Proto = Onnx;

namespace Scratch.Nn;

/// <summary>Converts between <see cref="NDArray"/> and ONNX's <c>TensorProto</c> (float32 values, int64 shapes and pads).</summary>
internal static class OnnxTensors
{
    private const int Float = (int)Proto.TensorProto.Types.DataType.Float;
    private const int Int64 = (int)Proto.TensorProto.Types.DataType.Int64;

    /// <summary>A float tensor named <paramref name="name"/> holding a copy of <paramref name="array"/>'s elements in row-major order.</summary>
    public static Proto.TensorProto FromNDArray(string name, NDArray array)
    {
        var tensor = new Proto.TensorProto { Name = name, DataType = Float };
        tensor.Dims.AddRange(array.Shape.Select(d => (long)d));
        tensor.FloatData.AddRange(array.ToArray());
        return tensor;
    }

    /// <summary>An int64 tensor (1-D) named <paramref name="name"/>, as Reshape's shape or Pad's pads.</summary>
    public static Proto.TensorProto FromInt64(string name, params long[] values)
    {
        var tensor = new Proto.TensorProto { Name = name, DataType = Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    /// <summary>A float tensor's values as an NDArray of its dims, read from <c>float_data</c> or little-endian <c>raw_data</c>.</summary>
    /// <exception cref="InvalidDataException">Not float32, stored outside the file, or the value count does not match the dims.</exception>
    public static NDArray ToNDArray(Proto.TensorProto tensor, string model)
    {
        int[] shape = Dims(tensor, model);
        if (tensor.DataType != Float)
            throw new InvalidDataException($"Onnx.Load: {model}: tensor '{tensor.Name}' has data type {(Proto.TensorProto.Types.DataType)tensor.DataType}, expected float32.");
        int size = Shapes.Size(shape);
        float[] values;
        if (!tensor.RawData.IsEmpty)
        {
            ReadOnlySpan<byte> raw = tensor.RawData.Span;
            if (raw.Length != (long)size * sizeof(float))
                throw new InvalidDataException($"Onnx.Load: {model}: tensor '{tensor.Name}' {Shapes.Format(shape)} has {raw.Length} bytes of raw data, expected {(long)size * sizeof(float)}.");
            values = new float[size];
            for (int i = 0; i < size; i++)
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * sizeof(float)));
        }
        else
        {
            if (tensor.FloatData.Count != size)
                throw new InvalidDataException($"Onnx.Load: {model}: tensor '{tensor.Name}' {Shapes.Format(shape)} has {tensor.FloatData.Count} values, expected {size}.");
            values = tensor.FloatData.ToArray();
        }
        return NDArray.FromArray(values, shape);
    }

    /// <summary>An int64 tensor's values (Reshape's shape, Pad's pads), from <c>int64_data</c> or little-endian <c>raw_data</c>.</summary>
    public static long[] ToInt64(Proto.TensorProto tensor, string model)
    {
        int[] shape = Dims(tensor, model);
        if (tensor.DataType != Int64)
            throw new InvalidDataException($"Onnx.Load: {model}: tensor '{tensor.Name}' has data type {(Proto.TensorProto.Types.DataType)tensor.DataType}, expected int64.");
        int size = Shapes.Size(shape);
        if (tensor.RawData.IsEmpty)
        {
            if (tensor.Int64Data.Count != size)
                throw new InvalidDataException($"Onnx.Load: {model}: tensor '{tensor.Name}' {Shapes.Format(shape)} has {tensor.Int64Data.Count} values, expected {size}.");
            return tensor.Int64Data.ToArray();
        }
        ReadOnlySpan<byte> raw = tensor.RawData.Span;
        if (raw.Length != (long)size * sizeof(long))
            throw new InvalidDataException($"Onnx.Load: {model}: tensor '{tensor.Name}' {Shapes.Format(shape)} has {raw.Length} bytes of raw data, expected {(long)size * sizeof(long)}.");
        var values = new long[size];
        for (int i = 0; i < size; i++)
            values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(i * sizeof(long)));
        return values;
    }

    /// <summary>The tensor's dims as ints, after checking they are valid and the data lives in the file.</summary>
    private static int[] Dims(Proto.TensorProto tensor, string model)
    {
        if (tensor.DataLocation == Proto.TensorProto.Types.DataLocation.External)
            throw new NotSupportedException($"Onnx.Load: {model}: tensor '{tensor.Name}' keeps its data in an external file; only models with the weights inside are supported.");
        if (tensor.Dims.Any(d => d < 0 || d > Array.MaxLength))
            throw new InvalidDataException($"Onnx.Load: {model}: tensor '{tensor.Name}' has invalid dims ({string.Join(", ", tensor.Dims)}).");
        int[] shape = tensor.Dims.Select(d => (int)d).ToArray();
        if (shape.Aggregate(1L, (size, d) => size * d) > Array.MaxLength)
            throw new InvalidDataException($"Onnx.Load: {model}: tensor '{tensor.Name}' {Shapes.Format(shape)} is too large.");
        return shape;
    }
}
