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
            throw new ArgumentException($"Take: into has shape {Tensors.Shape.Format(into._shape)}, expected ({rows.Length}{string.Concat(_shape.Skip(1).Select(d => $", {d}"))}).", nameof(into));
        if (!result.IsContiguous)
            throw new ArgumentException($"Take: into {Tensors.Shape.Format(result._shape)} must be contiguous.", nameof(into));
        int rowSize = Tensors.Shape.Size(_shape.AsSpan(1));
        Span<float> dst = result.ContiguousSpan;
        bool contiguous = IsContiguous;
        for (int i = 0; i < rows.Length; i++)
        {
            int r = rows[i];
            if ((uint)r >= (uint)_shape[0])
                throw new ArgumentOutOfRangeException(nameof(rows), r, $"Take: rows[{i}] = {r} is out of range for x {Tensors.Shape.Format(_shape)}.");
            Span<float> row = dst.Slice(i * rowSize, rowSize);
            if (contiguous)
                _storage.AsSpan(Offset + r * rowSize, rowSize).CopyTo(row);
            else
                At(r).CopyTo(row);        // any strides: the general path
        }
        return result;
    }
}
