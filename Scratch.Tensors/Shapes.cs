namespace Scratch.Tensors;

/// <summary>Shape arithmetic shared by every NDArray operation: sizes, strides, broadcasting, axes, text.</summary>
/// <remarks>
/// A view of a (3, 4) block inside a (5, 6) buffer, starting at row 1, column 2:
/// <code>
///   storage (30 floats, row-major 5 × 6)        view: shape (3, 4), strides (6, 1), offset 8
///   .  .  .  .  .  .                            element [i, j] lives at 8 + 6·i + 1·j
///   .  .  #  #  #  #   ← offset 8 = 1·6 + 2      [0, 0] → 8    [0, 3] → 11
///   .  .  #  #  #  #                            [1, 0] → 14   [2, 3] → 23
///   .  .  #  #  #  #
///   .  .  .  .  .  .
/// </code>
/// Strides count elements, not bytes. A stride of 0 repeats one element along that axis (broadcast);
/// length-1 axes always get stride 0, since their stride is never used.
/// </remarks>
public static class Shapes
{
    /// <summary>Number of elements: the product of the lengths (1 for a scalar shape <c>()</c>).</summary>
    public static int Size(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (int d in shape)
            size *= d;
        return checked((int)size);
    }

    /// <summary>Row-major (C order) strides of a contiguous array of this shape; length-1 axes get 0.</summary>
    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int stride = 1;
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            strides[k] = shape[k] == 1 ? 0 : stride;
            stride *= shape[k];
        }
        return strides;
    }

    /// <summary>Formats a shape as NumPy does: <c>(2, 3)</c>, <c>(5,)</c>, <c>()</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape) =>
        shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape.ToArray()) + ")";

    /// <summary>Checks that every length is ≥ 0 and the element count fits an <c>int</c>; returns a copy.</summary>
    internal static int[] Validate(string op, ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (int d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"{op}: dimensions must be ≥ 0, got {Format(shape)}.", nameof(shape));
            size *= d;
            if (size > Array.MaxLength)
                throw new ArgumentException($"{op}: shape {Format(shape)} has more elements than an array can hold.", nameof(shape));
        }
        return shape.ToArray();
    }

    /// <summary>Maps a possibly negative axis (−1 = last) into [0, rank), or throws naming the op and shape.</summary>
    internal static int NormalizeAxis(string op, int axis, ReadOnlySpan<int> shape, int rankForRange = -1)
    {
        int rank = rankForRange < 0 ? shape.Length : rankForRange;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new ArgumentOutOfRangeException(nameof(axis), axis,
                $"{op}: axis {axis} is out of range for shape {Format(shape)} (rank {shape.Length}).");
        return a;
    }

    /// <summary>NumPy broadcasting: align at the right; a length of 1 stretches, otherwise lengths must agree.</summary>
    public static int[] Broadcast(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        var result = new int[Math.Max(a.Length, b.Length)];
        Broadcast(op, a, b, result);
        return result;
    }

    /// <summary>The broadcast shape of <paramref name="a"/> and <paramref name="b"/> written into <paramref name="result"/> (of rank max(a, b)), allocating nothing.</summary>
    internal static void Broadcast(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b, Span<int> result)
    {
        int rank = result.Length;
        for (int k = 1; k <= rank; k++)
        {
            int da = k <= a.Length ? a[^k] : 1;
            int db = k <= b.Length ? b[^k] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException(
                    $"{op}: cannot broadcast {Format(a)} with {Format(b)}: dimension -{k} is {da} vs {db}.");
            result[rank - k] = da == 1 ? db : da;
        }
    }

    /// <summary>Checks that <paramref name="source"/> broadcasts to exactly <paramref name="target"/> (NumPy's assignment rule), allocating nothing.</summary>
    internal static void CheckBroadcastsTo(string op, ReadOnlySpan<int> source, ReadOnlySpan<int> target)
    {
        bool ok = source.Length <= target.Length;
        for (int k = 1; ok && k <= source.Length; k++)
            ok = source[^k] == 1 || source[^k] == target[^k];
        if (!ok)
            throw new ArgumentException($"{op}: cannot broadcast {Format(source)} to {Format(target)}.");
    }

    /// <summary>Strides that read an array of <paramref name="shape"/> as if it had <paramref name="target"/> (stride 0 where it stretches).</summary>
    internal static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, ReadOnlySpan<int> target)
    {
        var result = new int[target.Length];
        int shift = target.Length - shape.Length;
        for (int k = 0; k < shape.Length; k++)
            result[k + shift] = shape[k] == 1 ? 0 : strides[k];
        return result;
    }
}
