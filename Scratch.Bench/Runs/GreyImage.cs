using System.Text;
using SkiaSharp;

namespace Scratch.Bench.Runs;

/// <summary>Reads a 28×28 grey image (PNG or PGM) as MNIST pixels in [0, 1], and draws one in the terminal.</summary>
internal static class GreyImage
{
    public const int Size = 28;

    /// <summary>The image's pixels, row-major, scaled to [0, 1] (colour PNGs are converted to grey by luminance).</summary>
    /// <exception cref="InvalidDataException">Not a PNG or PGM, or not 28×28.</exception>
    public static float[] Read(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"--image: file '{path}' does not exist.");
        byte[] bytes = File.ReadAllBytes(path);
        (int width, int height, float[] pixels) = bytes.Length > 1 && bytes[0] == (byte)'P' && bytes[1] is (byte)'2' or (byte)'5'
            ? ReadPgm(bytes, path)
            : ReadPng(bytes, path);
        if (width != Size || height != Size)
            throw new InvalidDataException($"{path}: expected a {Size}×{Size} grey image (as MNIST), got {width}×{height}.");
        return pixels;
    }

    private static (int, int, float[]) ReadPng(byte[] bytes, string path)
    {
        using SKBitmap bitmap = SKBitmap.Decode(bytes) ?? throw new InvalidDataException($"{path}: not a PNG or PGM image.");
        var pixels = new float[bitmap.Width * bitmap.Height];
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                SKColor c = bitmap.GetPixel(x, y);
                pixels[y * bitmap.Width + x] = (0.299f * c.Red + 0.587f * c.Green + 0.114f * c.Blue) / 255f * (c.Alpha / 255f);
            }
        return (bitmap.Width, bitmap.Height, pixels);
    }

    /// <summary>Netpbm grey map: <c>P2</c> (ASCII) or <c>P5</c> (binary, 8-bit), header tokens separated by whitespace, <c>#</c> comments.</summary>
    private static (int, int, float[]) ReadPgm(byte[] bytes, string path)
    {
        int pos = 2;
        string Token()
        {
            while (pos < bytes.Length)
            {
                if (bytes[pos] == (byte)'#') while (pos < bytes.Length && bytes[pos] != (byte)'\n') pos++;
                else if (char.IsWhiteSpace((char)bytes[pos])) pos++;
                else break;
            }
            int start = pos;
            while (pos < bytes.Length && !char.IsWhiteSpace((char)bytes[pos])) pos++;
            if (start == pos) throw new InvalidDataException($"{path}: truncated PGM header.");
            return Encoding.ASCII.GetString(bytes, start, pos - start);
        }
        int Number(string what, int min = 1) => int.TryParse(Token(), out int v) && v >= min ? v : throw new InvalidDataException($"{path}: bad PGM {what}.");
        bool binary = bytes[1] == (byte)'5';
        int width = Number("width"), height = Number("height"), max = Number("maximum value");
        if (max > 255) throw new InvalidDataException($"{path}: 16-bit PGM is not supported (maximum value {max}).");
        if ((long)width * height > 1 << 24) throw new InvalidDataException($"{path}: PGM of {width}×{height} is too large.");
        var pixels = new float[width * height];
        if (binary)
        {
            pos++;   // the single whitespace after the maximum value
            if (bytes.Length - pos < pixels.Length) throw new InvalidDataException($"{path}: PGM holds {bytes.Length - pos} bytes of pixels, expected {pixels.Length}.");
            for (int i = 0; i < pixels.Length; i++) pixels[i] = bytes[pos + i] / (float)max;
        }
        else
        {
            for (int i = 0; i < pixels.Length; i++) pixels[i] = Math.Min(Number("pixel", min: 0), max) / (float)max;
        }
        return (width, height, pixels);
    }

    /// <summary>The image as text, two pixel rows per line (terminal cells are about twice as tall as wide), darker to brighter.</summary>
    public static string Draw(ReadOnlySpan<float> pixels, int width = Size)
    {
        const string ramp = " .:-=+*#%@";
        int height = pixels.Length / width;
        var text = new StringBuilder();
        for (int y = 0; y < height; y += 2)
        {
            text.Append("  ");
            for (int x = 0; x < width; x++)
            {
                float v = y + 1 < height ? (pixels[y * width + x] + pixels[(y + 1) * width + x]) / 2 : pixels[y * width + x];
                text.Append(ramp[Math.Clamp((int)(v * ramp.Length), 0, ramp.Length - 1)]);
            }
            text.AppendLine();
        }
        return text.ToString();
    }
}
