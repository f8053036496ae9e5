namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary>Rows <paramref name="indices"/> along axis 0, copied in that order: NumPy's <c>x[indices]</c> (a mini-batch gather).</summary>
    /// <remarks>x: (N, …) → (len(indices), …). Writes into <paramref name="into"/> when given, so a training loop can reuse its batch buffer.</remarks>
    public NDArray Take(ReadOnlySpan<int> indices, NDArray? into = null)
    {
        if (Rank == 0)
            throw new InvalidOperationException("Take: a rank-0 array has no rows.");
        int[] shape = [indices.Length, .. _shape[1..]];
        NDArray result = into is null ? new NDArray(shape) : CheckInto("Take", into, shape);
        for (int r = 0; r < indices.Length; r++)
        {
            int i = indices[r];
            if ((uint)i >= (uint)_shape[0])
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"Take: index {i} is out of range for shape {Tensors.Shape.Format(_shape)}.");
            NDArray source = At(i), target = result.At(r);
            if (source.IsContiguous && target.IsContiguous)
                source.ContiguousSpan.CopyTo(target.ContiguousSpan);
            else
                target.CopyFrom(source);
        }
        return result;
    }
}
