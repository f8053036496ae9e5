namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary>Rows <paramref name="rows"/> along axis 0, copied in that order: NumPy's <c>x[rows]</c> (a mini-batch gather).</summary>
    /// <remarks>
    /// x: (N, …) → (len(rows), …); indices may repeat and must lie in [0, N). Writes into <paramref name="into"/> when
    /// given (it must be contiguous), so a training loop can reuse its batch buffers.
    /// </remarks>
    public NDArray Take(ReadOnlySpan<int> rows, NDArray? into = null)
    {
        if (Rank == 0)
            throw new InvalidOperationException("Take: a rank-0 array has no rows.");
        NDArray result = into ?? Uninitialized([rows.Length, .. _shape[1..]]);
        if (into is not null && (into.Rank != Rank || into._shape[0] != rows.Length || !into._shape.AsSpan(1).SequenceEqual(_shape.AsSpan(1))))
            throw new ArgumentException($"Take: into has shape {Shapes.Format(into._shape)}, expected ({rows.Length}{string.Concat(_shape.Skip(1).Select(d => $", {d}"))}).", nameof(into));
        if (!result.IsContiguous)
            throw new ArgumentException($"Take: into {Shapes.Format(result._shape)} must be contiguous.", nameof(into));
        if (MayShareMemory(result, this))   // rows would be overwritten before they are read
            return result.CopyFrom(Take(rows));
        int rowSize = Shapes.Size(_shape.AsSpan(1));
        Span<float> dst = result.ContiguousSpan;
        bool contiguous = IsContiguous;
        for (int i = 0; i < rows.Length; i++)
        {
            int r = rows[i];
            if ((uint)r >= (uint)_shape[0])
                throw new ArgumentOutOfRangeException(nameof(rows), r, $"Take: rows[{i}] = {r} is out of range for x {Shapes.Format(_shape)}.");
            Span<float> row = dst.Slice(i * rowSize, rowSize);
            if (contiguous)
                _storage.AsSpan(Offset + r * rowSize, rowSize).CopyTo(row);
            else
                At(r).CopyTo(row);        // any strides: the general path
        }
        return result;
    }

    /// <summary>The slices at <paramref name="indices"/> along <paramref name="axis"/>, copied in that order (NumPy's <c>take(x, indices, axis)</c>).</summary>
    /// <remarks>
    /// x: (…, n, …) → (…, len(indices), …); indices may repeat, negative ones count from the end, all lie in
    /// [−n, n). Writes into <paramref name="into"/> when given (any layout).
    /// </remarks>
    public NDArray Take(ReadOnlySpan<int> indices, int axis, NDArray? into = null)
    {
        int a = Shapes.NormalizeAxis("Take", axis, _shape);
        int n = _shape[a];
        int[] shape = Shape;
        shape[a] = indices.Length;
        NDArray result = into is null ? Uninitialized(shape) : CheckInto("Take", into, shape);
        NDArray target = MayShareMemory(result, this) ? Uninitialized(shape) : result;
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i] < 0 ? indices[i] + n : indices[i];
            if ((uint)index >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[i],
                    $"Take: indices[{i}] = {indices[i]} is out of range for axis {a} of x {Shapes.Format(_shape)} (length {n}).");
            target.Slice(a, i, i + 1).CopyFrom(Slice(a, index, index + 1));
        }
        if (!ReferenceEquals(target, result)) result.CopyFrom(target);
        return result;
    }
}
