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
        int[] shape = [rows.Length, .. _shape[1..]];
        NDArray result = into is null ? new NDArray(shape) : CheckInto("Take", into, shape);
        if (!result.IsContiguous)
            throw new ArgumentException($"Take: into {Tensors.Shape.Format(shape)} must be contiguous.", nameof(into));
        int rowSize = Tensors.Shape.Size(shape.AsSpan(1));
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
