using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Scratch.Tensors;

/// <summary>Reads and writes NumPy <c>.npy</c> files (format 1.0–3.0) holding float32 arrays.</summary>
/// <remarks>
/// Layout: the magic <c>\x93NUMPY</c>, a version (major, minor), the header length (2 bytes little-endian in
/// 1.0, 4 bytes in 2.0/3.0), an ASCII Python dict <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>
/// padded so the data starts on a 64-byte boundary, then the raw elements.
/// </remarks>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes <paramref name="array"/> as a little-endian float32, C-order <c>.npy</c> file (via a temporary file, so a failure leaves no partial file).</summary>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/> (never the temporary file).</exception>
    public static void Save(string path, NDArray array)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(array);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                Save(stream, array);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (File.Exists(temp)) File.Delete(temp);
            throw e switch   // name the target, not the temporary file
            {
                DirectoryNotFoundException => new DirectoryNotFoundException($"Npy.Save: cannot write {path}: the directory {directory} does not exist.", e),
                UnauthorizedAccessException => new UnauthorizedAccessException($"Npy.Save: cannot write {path}: access to {directory} is denied.", e),
                _ => new IOException($"Npy.Save: cannot write {path}: {e.Message.Replace(temp, path)}", e),
            };
        }
        catch
        {
            if (File.Exists(temp)) File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes the <c>.npy</c> image of <paramref name="array"/> (little-endian float32, C order) to <paramref name="stream"/>.</summary>
    public static void Save(Stream stream, NDArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        string shape = array.Rank == 1 ? $"({array.Dim(0)},)" : "(" + string.Join(", ", array.Shape) + ")";
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        string header = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";

        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)header.Length));
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));
        float[] data = array.ToArray();
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < data.Length; i++)
                data[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(data[i])));
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
    }

    /// <summary>Reads a float32 <c>.npy</c> file (either byte order, C or Fortran order) into a contiguous NDArray.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid .npy file, is truncated, or holds another dtype.</exception>
    public static NDArray Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return Load(stream, Path.GetFileName(path));
    }

    /// <summary>Reads a float32 <c>.npy</c> image from <paramref name="stream"/>; <paramref name="name"/> appears in error messages.</summary>
    public static NDArray Load(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        InvalidDataException Bad(string problem) => new($"Npy.Load: {name}: {problem}");

        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false) < prefix.Length || !prefix[..6].SequenceEqual(Magic))
            throw Bad("not a .npy file (missing the \\x93NUMPY magic).");
        int major = prefix[6];
        if (major is < 1 or > 3)
            throw Bad($"unsupported format version {major}.{prefix[7]}, expected 1.0 to 3.0.");
        Span<byte> lengthBytes = stackalloc byte[major == 1 ? 2 : 4];
        if (stream.ReadAtLeast(lengthBytes, lengthBytes.Length, throwOnEndOfStream: false) < lengthBytes.Length)
            throw Bad("truncated header.");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (headerLength > 1 << 20)
            throw Bad($"header length {headerLength} is implausibly large.");
        if (stream.CanSeek && headerLength > stream.Length - stream.Position)
            throw Bad($"truncated header: it claims {headerLength} bytes, the file has {stream.Length - stream.Position} left.");
        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false) < headerBytes.Length)
            throw Bad("truncated header.");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        string descr = HeaderField(DescrPattern(), header) ?? throw Bad($"header has no 'descr': {header.Trim()}");
        string order = HeaderField(FortranPattern(), header) ?? throw Bad($"header has no 'fortran_order': {header.Trim()}");
        string shapeText = HeaderField(ShapePattern(), header) ?? throw Bad($"header has no 'shape': {header.Trim()}");
        bool bigEndian = descr switch
        {
            "<f4" => false,
            ">f4" => true,
            "|f4" or "=f4" => !BitConverter.IsLittleEndian,
            _ => throw Bad($"dtype '{descr}' is not supported; Scratch reads float32 ('<f4'). Convert with arr.astype(np.float32)."),
        };
        int[] shape;
        try
        {
            shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(d => int.Parse(d, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw Bad($"bad shape ({shapeText}).");
        }
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
            if (count > Array.MaxLength) throw Bad($"shape ({shapeText}) has more elements than an array can hold.");
        }
        if (stream.CanSeek && stream.Length - stream.Position != count * sizeof(float))
            throw Bad($"shape ({shapeText}) needs {count * sizeof(float)} data bytes, the file has {stream.Length - stream.Position}.");

        float[] data = ReadFloats(stream, (int)count, stream.CanSeek) ?? throw Bad($"truncated data: shape ({shapeText}) needs {count * sizeof(float)} bytes.");
        if (bigEndian == BitConverter.IsLittleEndian)
            for (int i = 0; i < data.Length; i++)
                data[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(data[i])));

        if (order == "True")   // Fortran order: the data is the transpose laid out in C order
        {
            int[] reversed = shape.Reverse().ToArray();
            return new NDArray(data, reversed, Shapes.ContiguousStrides(reversed), 0).Transpose().Clone();
        }
        return new NDArray(data, shape, Shapes.ContiguousStrides(shape), 0);
    }

    /// <summary>Reads <paramref name="count"/> raw floats, or returns null if the stream ends first.</summary>
    /// <remarks>
    /// When the length was checked (<paramref name="checkedLength"/>) the array is allocated at once; otherwise it grows as
    /// data arrives, so a header that claims more than a pipe delivers costs at most about twice what did arrive.
    /// </remarks>
    private static float[]? ReadFloats(Stream stream, int count, bool checkedLength)
    {
        const int initial = 1 << 12;
        var data = new float[checkedLength ? count : Math.Min(count, initial)];
        int filled = 0;
        while (true)
        {
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan(filled));
            int got = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (got < bytes.Length)
                return null;
            filled = data.Length;
            if (filled == count)
                return data;
            Array.Resize(ref data, (int)Math.Min(count, 2L * data.Length));
        }
    }

    private static string? HeaderField(Regex pattern, string header)
    {
        Match match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
