namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary>The arrays joined end to end along an existing <paramref name="axis"/> (NumPy's <c>concatenate</c>), as a new array.</summary>
    /// <remarks>
    /// Every array has the same rank (≥ 1) and the same lengths except along <paramref name="axis"/>:
    /// (a, n1, c) and (a, n2, c) along axis 1 → (a, n1 + n2, c). Writes into <paramref name="into"/> when given.
    /// </remarks>
    public static NDArray Concatenate(IReadOnlyList<NDArray> arrays, int axis = 0, NDArray? into = null)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        if (arrays.Count == 0)
            throw new ArgumentException("Concatenate: need at least one array to concatenate.", nameof(arrays));
        NDArray first = arrays[0] ?? throw new ArgumentNullException(nameof(arrays), "Concatenate: arrays[0] is null.");
        if (first.Rank == 0)
            throw new ArgumentException("Concatenate: zero-dimensional arrays cannot be concatenated (use Stack).", nameof(arrays));
        int a = Shapes.NormalizeAxis("Concatenate", axis, first._shape);
        int total = 0;
        for (int i = 0; i < arrays.Count; i++)
        {
            NDArray x = arrays[i] ?? throw new ArgumentNullException(nameof(arrays), $"Concatenate: arrays[{i}] is null.");
            bool ok = x.Rank == first.Rank;
            for (int k = 0; ok && k < x.Rank; k++)
                ok = k == a || x._shape[k] == first._shape[k];
            if (!ok)
                throw new ArgumentException(
                    $"Concatenate: arrays[{i}] has shape {Shapes.Format(x._shape)}, expected {Shapes.Format(first._shape)} except along axis {a}.", nameof(arrays));
            total += x._shape[a];
        }
        int[] shape = first.Shape;
        shape[a] = total;
        NDArray result = into is null ? Uninitialized(shape) : CheckInto("Concatenate", into, shape);
        NDArray target = Overlaps(result, arrays) ? Uninitialized(shape) : result;
        int at = 0;
        foreach (NDArray x in arrays)
        {
            target.Slice(a, at, at + x._shape[a]).CopyFrom(x);
            at += x._shape[a];
        }
        if (!ReferenceEquals(target, result)) result.CopyFrom(target);
        return result;
    }

    /// <summary>The arrays joined along a new <paramref name="axis"/> (NumPy's <c>stack</c>), as a new array.</summary>
    /// <remarks>Every array has the same shape S; the result has rank(S) + 1 axes, with length <c>arrays.Count</c> at <paramref name="axis"/>: k arrays of (a, b) along axis 1 → (a, k, b).</remarks>
    public static NDArray Stack(IReadOnlyList<NDArray> arrays, int axis = 0, NDArray? into = null)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        if (arrays.Count == 0)
            throw new ArgumentException("Stack: need at least one array to stack.", nameof(arrays));
        NDArray first = arrays[0] ?? throw new ArgumentNullException(nameof(arrays), "Stack: arrays[0] is null.");
        int a = Shapes.NormalizeAxis("Stack", axis, first._shape, first.Rank + 1);
        var expanded = new NDArray[arrays.Count];
        for (int i = 0; i < arrays.Count; i++)
        {
            NDArray x = arrays[i] ?? throw new ArgumentNullException(nameof(arrays), $"Stack: arrays[{i}] is null.");
            if (!x._shape.AsSpan().SequenceEqual(first._shape))
                throw new ArgumentException($"Stack: arrays[{i}] has shape {Shapes.Format(x._shape)}, expected {Shapes.Format(first._shape)} like arrays[0].", nameof(arrays));
            expanded[i] = x.Unsqueeze(a);
        }
        return Concatenate(expanded, a, into);
    }

    /// <summary>Views of <paramref name="x"/> cut into <paramref name="sections"/> equal parts along <paramref name="axis"/> (NumPy's <c>split(x, n)</c>); no copy.</summary>
    /// <remarks>x: (…, n, …) → <paramref name="sections"/> views of (…, n / sections, …); n must divide evenly.</remarks>
    public static NDArray[] Split(NDArray x, int sections, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = Shapes.NormalizeAxis("Split", axis, x._shape);
        int n = x._shape[a];
        if (sections <= 0 || n % sections != 0)
            throw new ArgumentException($"Split: axis {a} of {Shapes.Format(x._shape)} (length {n}) does not divide into {sections} equal sections.", nameof(sections));
        int step = n / sections;
        var parts = new NDArray[sections];
        for (int i = 0; i < sections; i++)
            parts[i] = x.Slice(a, i * step, (i + 1) * step);
        return parts;
    }

    /// <summary>Views of <paramref name="x"/> cut before each of <paramref name="indices"/> along <paramref name="axis"/> (NumPy's <c>split(x, [i, j])</c>): <c>x[:i], x[i:j], x[j:]</c>; no copy.</summary>
    /// <remarks>Indices past the end or out of order give empty views, as in NumPy; negative indices count from the end.</remarks>
    public static NDArray[] Split(NDArray x, ReadOnlySpan<int> indices, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = Shapes.NormalizeAxis("Split", axis, x._shape);
        var parts = new NDArray[indices.Length + 1];
        int start = 0;
        for (int i = 0; i <= indices.Length; i++)
        {
            int stop = i < indices.Length ? indices[i] : x._shape[a];
            parts[i] = x.Slice(a, start, stop);   // Python's slice rules: clipped, empty when stop ≤ start
            start = stop;
        }
        return parts;
    }

    /// <summary>True when <paramref name="result"/> may share memory with any of <paramref name="arrays"/>.</summary>
    private static bool Overlaps(NDArray result, IReadOnlyList<NDArray> arrays)
    {
        foreach (NDArray x in arrays)
            if (MayShareMemory(result, x)) return true;
        return false;
    }
}
