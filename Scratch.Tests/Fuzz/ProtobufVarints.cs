namespace Scratch.Tests.Fuzz;

/// <summary>The varints of a protobuf message (field values and the lengths of length-delimited fields, nested messages
/// included), and mutations that rewrite one of them: lengths claiming more than the file holds, values at the boundaries.</summary>
/// <remarks>The wire format knows no schema, so a string or a packed array that happens to parse as a message is walked too;
/// rewriting a "varint" inside it is just another byte mutation.</remarks>
internal static class ProtobufVarints
{
    /// <summary>A varint at <paramref name="Offset"/> of <paramref name="Length"/> bytes; <paramref name="IsLength"/> when it prefixes a length-delimited field.</summary>
    public readonly record struct Varint(int Offset, int Length, ulong Value, bool IsLength);

    /// <summary>Every varint of <paramref name="message"/> in file order (empty if it does not parse as a message).</summary>
    public static List<Varint> Find(byte[] message)
    {
        var found = new List<Varint>();
        Walk(message, 0, message.Length, found, depth: 0);
        return found;
    }

    /// <summary>One varint of <paramref name="message"/> rewritten: a length to more than the file holds (or a boundary), a value to a boundary.</summary>
    public static FuzzCase Mutate(byte[] message, List<Varint> varints, Mutator mutator)
    {
        Varint v = varints[mutator.Next(varints.Count)];
        ulong remaining = (ulong)(message.Length - v.Offset - v.Length);
        ulong value = v.IsLength
            ? mutator.Pick<ulong>([v.Value + 1, v.Value + 2, v.Value + 100, remaining + 1, remaining + 4096, (ulong)message.Length, 0x7FFFFFFF, 0x80000000,
                            0xFFFFFFFF, 1UL << 32, 1UL << 40, long.MaxValue, ulong.MaxValue, 0, v.Value - 1])
            : mutator.Pick<ulong>([0, 1, 2, 7, 0x7F, 0x80, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1UL << 32, 1UL << 40, long.MaxValue, 1UL << 63, ulong.MaxValue,
                            unchecked((ulong)-2L), v.Value + 1]);
        byte[] bytes = [.. message.AsSpan(0, v.Offset), .. Encode(value), .. message.AsSpan(v.Offset + v.Length)];
        return new($"{(v.IsLength ? "length" : "varint")} at {v.Offset} ({v.Value}) set to {value}", bytes);
    }

    private static byte[] Encode(ulong value)
    {
        var bytes = new List<byte>();
        for (; value >= 0x80; value >>= 7) bytes.Add((byte)(value | 0x80));
        bytes.Add((byte)value);
        return [.. bytes];
    }

    /// <summary>Walks the fields in [start, end); on a parse failure removes what this call added and returns false.</summary>
    private static bool Walk(byte[] b, int start, int end, List<Varint> found, int depth)
    {
        int added = found.Count, at = start;
        while (at < end)
        {
            if (!ReadVarint(b, ref at, end, out ulong tag, out _) || tag >> 3 == 0) return Fail(found, added);
            int offset = at;
            switch ((int)(tag & 7))
            {
                case 0:
                    if (!ReadVarint(b, ref at, end, out ulong value, out int length)) return Fail(found, added);
                    found.Add(new(offset, length, value, IsLength: false));
                    break;
                case 1: at += 8; break;
                case 5: at += 4; break;
                case 2:
                    if (!ReadVarint(b, ref at, end, out ulong size, out int sizeLength) || size > (ulong)(end - at)) return Fail(found, added);
                    found.Add(new(offset, sizeLength, size, IsLength: true));
                    if (depth < 16) Walk(b, at, at + (int)size, found, depth + 1);   // a nested message, if it parses as one
                    at += (int)size;
                    break;
                default: return Fail(found, added);
            }
            if (at > end) return Fail(found, added);
        }
        return true;
    }

    private static bool Fail(List<Varint> found, int added)
    {
        found.RemoveRange(added, found.Count - added);
        return false;
    }

    private static bool ReadVarint(byte[] b, ref int at, int end, out ulong value, out int length)
    {
        value = 0;
        for (length = 0; length < 10 && at < end; length++)
        {
            byte next = b[at++];
            value |= (ulong)(next & 0x7F) << (7 * length);
            if (next < 0x80)
            {
                length++;
                return true;
            }
        }
        return false;
    }
}
