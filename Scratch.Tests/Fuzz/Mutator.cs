using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Scratch.Tests.Fuzz;

/// <summary>One input for a reader: what was done to the valid file, and the resulting bytes.</summary>
internal readonly record struct FuzzCase(string Name, byte[] Bytes);

/// <summary>The seeded corpus generator: mutations of a small valid file (the corpus itself is never committed).</summary>
/// <remarks>
/// Byte-level mutations know nothing of the format: every truncation, bit flips, bytes and 32/64-bit integers set to
/// boundary values (lengths and dimensions that claim more than the file holds, terabytes, negative and overflowing
/// sizes), deleted, inserted and duplicated ranges. Text-level mutations rewrite one number or one quoted string of a
/// text header (a JSON or Python-dict header) and let the caller re-frame it, so the reader sees a well-formed file whose
/// header lies. The same seed gives the same cases.
/// </remarks>
internal sealed partial class Mutator(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Values for 32-bit fields: 0, ±1, sign and width boundaries, and sizes around the file's length.</summary>
    private static ulong[] Interesting32(int length) =>
        [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 0x40000000,
         (ulong)length, (ulong)length + 1, (ulong)Math.Max(0, length - 1), (ulong)length * 1000];

    /// <summary>Values for 64-bit fields: the 32-bit ones, 2³², a terabyte, and the signed and unsigned extremes.</summary>
    private static ulong[] Interesting64(int length) =>
        [.. Interesting32(length), 1UL << 32, 1UL << 40, 1UL << 62, long.MaxValue, 1UL << 63, ulong.MaxValue, ulong.MaxValue - 7];

    /// <summary>Numbers to write into a text header.</summary>
    private static readonly string[] InterestingNumbers =
        ["0", "1", "-1", "2", "3", "7", "-0", "1.5", "1e3", "1e30", "65536", "16777216", "100000000", "-2147483648", "2147483647", "2147483648", "4294967295", "4294967296",
         "1099511627776", "9223372036854775807", "9223372036854775808", "18446744073709551616", "99999999999999999999999", "NaN", "", "00", "0x10"];

    /// <summary>Strings to write into a text header: dtypes, names, and awkward text.</summary>
    private static readonly string[] InterestingStrings =
        ["", "F32", "F64", "F16", "BF16", "I32", "U8", "BOOL", "f32", "F32 ", "<f4", ">f4", "|f4", "<f8", "<i4", "|u1", "<c8", "O", "W1", "b1", "W2", "b2",
         "__metadata__", "network", "args", "TwoLayerNet", "SimpleConvNet", "Sequential", "\\u0000", "é", "\\\"", "{}", "[]", "True", "False"];

    /// <summary>The file cut at every length from 0 to one byte short.</summary>
    public static IEnumerable<FuzzCase> Truncations(byte[] valid)
    {
        for (int length = 0; length < valid.Length; length++)
            yield return new($"truncated to {length} bytes", valid[..length]);
    }

    /// <summary>Every truncation, then random byte-level mutations up to <paramref name="count"/> cases.</summary>
    public IEnumerable<FuzzCase> Corpus(byte[] valid, int count)
    {
        foreach (var truncated in Truncations(valid))
        {
            yield return truncated;
            count--;
        }
        for (; count > 0; count--)
            yield return Mutate(valid);
    }

    /// <summary>One random byte-level mutation of <paramref name="valid"/>.</summary>
    public FuzzCase Mutate(byte[] valid)
    {
        byte[] bytes = (byte[])valid.Clone();
        int n = bytes.Length;
        switch (_random.Next(10))
        {
            case 0 or 1:
            {
                int at = _random.Next(n), bit = _random.Next(8);
                bytes[at] ^= (byte)(1 << bit);
                return new($"bit {bit} of byte {at} flipped", bytes);
            }
            case 2:
            {
                int flips = _random.Next(2, 9);
                for (int i = 0; i < flips; i++) bytes[_random.Next(n)] ^= (byte)(1 << _random.Next(8));
                return new($"{flips} random bit flips", bytes);
            }
            case 3:
            {
                int at = _random.Next(n);
                byte value = Pick<byte>([0x00, 0x01, 0x7F, 0x80, 0xFF, 0x20, (byte)'"', (byte)'{', (byte)'}', (byte)',', (byte)'-', (byte)'9', (byte)_random.Next(256)]);
                bytes[at] = value;
                return new($"byte {at} set to 0x{value:X2}", bytes);
            }
            case 4:
            {
                if (n < 4) goto case 3;
                int at = _random.Next(3) == 0 ? _random.Next(n / 4) * 4 : _random.Next(n - 3);   // often aligned, as header fields are
                ulong value = Pick(Interesting32(n));
                bool big = _random.Next(2) == 0;
                if (big) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), (uint)value);
                else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), (uint)value);
                return new($"u32 at {at} set to {value} ({(big ? "big" : "little")}-endian)", bytes);
            }
            case 5:
            {
                if (n < 8) goto case 4;
                int at = _random.Next(3) == 0 ? _random.Next(n / 8) * 8 : _random.Next(n - 7);
                ulong value = Pick(Interesting64(n));
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), value);
                return new($"u64 at {at} set to {value} (little-endian)", bytes);
            }
            case 6:
            {
                int at = _random.Next(n), length = Math.Min(n - at, _random.Next(1, 17));
                return new($"{length} bytes deleted at {at}", [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + length)]);
            }
            case 7:
            {
                int at = _random.Next(n + 1);
                var inserted = new byte[_random.Next(1, 17)];
                _random.NextBytes(inserted);
                return new($"{inserted.Length} random bytes inserted at {at}", [.. bytes.AsSpan(0, at), .. inserted, .. bytes.AsSpan(at)]);
            }
            case 8:
            {
                int from = _random.Next(n), length = Math.Min(n - from, _random.Next(1, 65)), to = _random.Next(n + 1);
                return new($"{length} bytes from {from} duplicated at {to}", [.. bytes.AsSpan(0, to), .. bytes.AsSpan(from, length), .. bytes.AsSpan(to)]);
            }
            default:
            {
                var tail = new byte[_random.Next(1, 33)];
                _random.NextBytes(tail);
                return new($"{tail.Length} random bytes appended", [.. bytes, .. tail]);
            }
        }
    }

    /// <summary>One random number or quoted string of <paramref name="header"/> replaced by a boundary value.</summary>
    public (string Name, string Header) MutateText(string header)
    {
        bool number = _random.Next(3) > 0;
        var matches = (number ? NumberPattern() : StringPattern()).Matches(header);
        if (matches.Count == 0) return ("unchanged", header);
        Match match = matches[_random.Next(matches.Count)];
        string replacement = number ? Pick(InterestingNumbers) : Pick(InterestingStrings);
        if (!number) replacement = match.Value[..1] + replacement + match.Value[^1..];   // keep the quotes (\" inside a JSON string)
        return ($"{match.Value} at {match.Index} → {replacement}", header[..match.Index] + replacement + header[(match.Index + match.Length)..]);
    }

    /// <summary>A uniformly chosen element.</summary>
    public T Pick<T>(T[] choices) => choices[_random.Next(choices.Length)];

    /// <summary>A random integer in [0, <paramref name="max"/>).</summary>
    public int Next(int max) => _random.Next(max);

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?")]
    private static partial Regex NumberPattern();

    [GeneratedRegex("""(\\"|"|')[^"'\\]*(\\"|"|')""")]
    private static partial Regex StringPattern();

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
