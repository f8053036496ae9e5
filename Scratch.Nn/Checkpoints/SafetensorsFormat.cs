using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Hugging Face's safetensors: a JSON table of tensors, then their raw little-endian bytes.</summary>
/// <remarks>
/// <code>
///   N          8 bytes, little-endian u64: the header's length
///   header     N bytes of UTF-8 JSON, padded with spaces:
///              {"__metadata__": {"network": "TwoLayerNet", "args": "{…}"},
///               "W1": {"dtype": "F32", "shape": [4, 3], "data_offsets": [0, 48]}, …}
///   data       the tensors' bytes; offsets count from the end of the header
/// </code>
/// Scratch writes F32 tensors in the order of the header, with no gaps, and pads the header so the data starts on an
/// 8-byte boundary. Reading accepts any order in the header (as the specification does) but checks that the tensors,
/// sorted by offset, tile the data exactly: first at 0, each starting where the previous ends, the last ending at the
/// file's end, each as long as its shape says.
/// </remarks>
internal static class SafetensorsFormat
{
    /// <summary>The reference implementation's limit on the header's length.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>Every dtype the specification defines; only F32 is read.</summary>
    private static readonly HashSet<string> KnownDtypes =
        ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64", "C64"];

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>One tensor as the header lists it.</summary>
    public sealed record Entry(string Name, long[] Shape, long Begin, long End);

    /// <summary>A parsed and checked header: the metadata, the tensors in header order, the stream position where the data starts.</summary>
    public sealed record Header(IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<Entry> Tensors, long DataStart);

    /// <summary>Writes <paramref name="arrays"/> as F32 tensors, with <paramref name="metadata"/> (if any) as <c>__metadata__</c>.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Key, NDArray Array)> arrays, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, WriterOptions))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                    writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var (key, array) in arrays)
            {
                long end = offset + (long)array.Size * sizeof(float);
                writer.WriteStartObject(key);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (int d in array.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(end);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset = end;
            }
            writer.WriteEndObject();
        }
        int padding = (int)((8 - json.Length % 8) % 8);   // the data starts 8-byte aligned
        for (int i = 0; i < padding; i++) json.WriteByte((byte)' ');

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        stream.Write(length);
        json.Position = 0;
        json.CopyTo(stream);
        foreach (var (_, array) in arrays)
        {
            float[] data = array.ToArray();
            if (!BitConverter.IsLittleEndian)
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(data.AsSpan()), MemoryMarshal.Cast<float, int>(data.AsSpan()));
            stream.Write(MemoryMarshal.AsBytes(data.AsSpan()));
        }
    }

    /// <summary>Reads and checks the header of the seekable <paramref name="stream"/> (positioned at the file's start).</summary>
    /// <exception cref="InvalidDataException">The first problem found, naming <paramref name="name"/> and the tensor.</exception>
    public static Header ReadHeader(Stream stream, string name)
    {
        long origin = stream.Position, fileLength = stream.Length - origin;
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
            throw Bad(name, $"truncated: {fileLength} bytes, too short for the 8-byte header length.");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > (ulong)(fileLength - 8))
            throw Bad(name, $"the header length {n} exceeds the {fileLength - 8} bytes after the length field.");
        if (n > MaxHeaderBytes)
            throw Bad(name, $"the header length {n} exceeds the format's limit of {MaxHeaderBytes} bytes.");
        if (n < 2)
            throw Bad(name, $"the header length {n} is too short for a JSON object.");
        var bytes = new byte[n];
        if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
            throw Bad(name, "truncated header.");
        long dataStart = origin + 8 + (long)n, dataLength = fileLength - 8 - (long)n;

        if (bytes[0] != (byte)'{')
            throw Bad(name, $"the header does not start with '{{' (byte 0x{bytes[0]:X2}).");
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Bad(name, "the header is not valid UTF-8.");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 4, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw Bad(name, $"the header is not valid JSON: {e.Message}");
        }
        using (document)
        {
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new List<Entry>();
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                    ReadMetadata(name, property.Value, metadata);
                else
                    tensors.Add(ReadEntry(name, property.Name, property.Value));
            }
            CheckTiling(name, tensors, dataLength);
            return new Header(metadata, tensors, dataStart);
        }
    }

    /// <summary>Reads the tensors named by <paramref name="expected"/>, which must be exactly the header's tensors, with the expected shapes.</summary>
    public static NDArray[] ReadTensors(Stream stream, string name, Header header, IReadOnlyList<(string Key, int[] Shape)> expected)
    {
        var byName = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var wanted = expected.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (Entry tensor in header.Tensors)
            if (!wanted.Contains(tensor.Name))
                throw Bad(name, $"tensor '{tensor.Name}' is not an array of this network (it expects {string.Join(", ", wanted)}).");
        foreach (var (key, shape) in expected)   // every name and shape first, before reading any data
        {
            if (!byName.TryGetValue(key, out Entry? tensor))
                throw Bad(name, $"no tensor '{key}' (the network has one of shape {Shapes.Format(shape)}).");
            if (!tensor.Shape.SequenceEqual(shape.Select(d => (long)d)))
                throw Bad(name, $"'{key}' has shape {FormatShape(tensor.Shape)}, the network expects {Shapes.Format(shape)}.");
        }
        var arrays = new NDArray[expected.Count];
        for (int i = 0; i < expected.Count; i++)
        {
            var (key, shape) = expected[i];
            Entry tensor = byName[key];
            var data = new float[Shapes.Size(shape)];
            Span<byte> target = MemoryMarshal.AsBytes(data.AsSpan());
            stream.Position = header.DataStart + tensor.Begin;
            if (stream.ReadAtLeast(target, target.Length, throwOnEndOfStream: false) < target.Length)
                throw Bad(name, $"tensor '{key}': the data ends early.");
            if (!BitConverter.IsLittleEndian)
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(data.AsSpan()), MemoryMarshal.Cast<float, int>(data.AsSpan()));
            arrays[i] = NDArray.FromArray(data, shape);
        }
        return arrays;
    }

    private static void ReadMetadata(string name, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(name, $"{MetadataKey} must be an object of strings, got {value.ValueKind}.");
        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Bad(name, $"{MetadataKey} entry '{item.Name}' must be a string, got {item.Value.ValueKind}.");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static Entry ReadEntry(string name, string tensor, JsonElement value)
    {
        InvalidDataException Problem(string problem) => Bad(name, $"tensor '{tensor}': {problem}");
        if (value.ValueKind != JsonValueKind.Object)
            throw Problem($"expected an object with dtype, shape and data_offsets, got {value.ValueKind}.");
        JsonElement? dtype = null, shape = null, offsets = null;
        foreach (JsonProperty field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype": dtype = field.Value; break;
                case "shape": shape = field.Value; break;
                case "data_offsets": offsets = field.Value; break;
                default: throw Problem($"unknown field '{field.Name}'.");
            }
        }
        if (dtype is not { ValueKind: JsonValueKind.String } d)
            throw Problem("'dtype' is missing or not a string.");
        string dtypeName = d.GetString()!;
        if (dtypeName != "F32")
            throw Problem(KnownDtypes.Contains(dtypeName)
                ? $"dtype {dtypeName} is not supported; Scratch checkpoints hold F32."
                : $"unknown dtype '{dtypeName}'.");
        long[] dims = Integers(shape, "shape", Problem);
        long[] span = Integers(offsets, "data_offsets", Problem);
        if (span.Length != 2)
            throw Problem($"'data_offsets' must be [begin, end], got {span.Length} numbers.");
        if (span[1] < span[0])
            throw Problem($"'data_offsets' [{span[0]}, {span[1]}] ends before it begins.");
        long count = 1;
        foreach (long dim in dims)
            if (dim != 0 && count > long.MaxValue / sizeof(float) / dim)
                throw Problem($"shape {FormatShape(dims)} has more elements than any file holds.");
            else
                count *= dim;
        if (count * sizeof(float) != span[1] - span[0])
            throw Problem($"shape {FormatShape(dims)} needs {count * sizeof(float)} bytes, 'data_offsets' [{span[0]}, {span[1]}] hold {span[1] - span[0]}.");
        return new Entry(tensor, dims, span[0], span[1]);
    }

    /// <summary>The elements of a JSON array of non-negative integers.</summary>
    private static long[] Integers(JsonElement? value, string field, Func<string, InvalidDataException> problem)
    {
        if (value is not { ValueKind: JsonValueKind.Array } array)
            throw problem($"'{field}' is missing or not an array.");
        var numbers = new long[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long number) || number < 0)
                throw problem($"'{field}' must hold non-negative integers, got {item.GetRawText()}.");
            numbers[i++] = number;
        }
        return numbers;
    }

    /// <summary>Checks that the tensors, sorted by offset, cover [0, dataLength) exactly once.</summary>
    private static void CheckTiling(string name, List<Entry> tensors, long dataLength)
    {
        long end = 0;
        string previous = "";
        foreach (Entry tensor in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (tensor.Begin > end)
                throw Bad(name, $"tensor '{tensor.Name}' begins at {tensor.Begin}, leaving a gap after {(previous == "" ? "the header" : $"'{previous}'")} (which ends at {end}).");
            if (tensor.Begin < end)
                throw Bad(name, $"tensor '{tensor.Name}' [{tensor.Begin}, {tensor.End}] overlaps '{previous}' (which ends at {end}).");
            if (tensor.End > dataLength)
                throw Bad(name, $"tensor '{tensor.Name}' ends at {tensor.End}, past the {dataLength} bytes of data in the file.");
            end = tensor.End;
            previous = tensor.Name;
        }
        if (end != dataLength)
            throw Bad(name, $"{dataLength - end} bytes after the last tensor (the data is {dataLength} bytes, the tensors end at {end}).");
    }

    private static string FormatShape(long[] shape) =>
        shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";

    private static InvalidDataException Bad(string name, string problem) => new($"Checkpoint.Load: {name}: {problem}");
}
