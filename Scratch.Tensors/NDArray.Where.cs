namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary><c>condition ≠ 0 ? x : y</c> elementwise, with NumPy broadcasting of all three (NumPy's <c>where</c>).</summary>
    /// <remarks>
    /// The result has the broadcast shape of condition, x and y; a float converts to a rank-0 array, so
    /// <c>Where(x &gt; 0, x, 0f)</c> works. NaN in <paramref name="condition"/> counts as true, as in NumPy.
    /// Writes into <paramref name="into"/> when given (an operand overlapping it is read from a copy).
    /// </remarks>
    public static NDArray Where(NDArray condition, NDArray x, NDArray y, NDArray? into = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int rank = Math.Max(condition.Rank, Math.Max(x.Rank, y.Rank));
        if (rank > Runs.MaxRank)
            throw new ArgumentException($"Where: rank {rank} exceeds the limit of {Runs.MaxRank}.");
        Span<int> xy = stackalloc int[Math.Max(x.Rank, y.Rank)];
        Shapes.Broadcast("Where", x._shape, y._shape, xy);
        Span<int> shape = stackalloc int[rank];
        Shapes.Broadcast("Where", condition._shape, xy, shape);
        NDArray dst = into is null ? Uninitialized(shape.ToArray()) : CheckInto("Where", into, shape);
        condition = Unaliased(condition, dst);
        x = Unaliased(x, dst);
        y = Unaliased(y, dst);

        var runs = new Runs(dst._shape, dst, condition, x, y);
        float[] sd = dst._storage, sc = condition._storage, sx = x._storage, sy = y._storage;
        int n = runs.Length;
        while (runs.MoveNext())
        {
            int od = runs.Offset(0), oc = runs.Offset(1), ox = runs.Offset(2), oy = runs.Offset(3);
            int id = runs.InnerStride(0), ic = runs.InnerStride(1), ix = runs.InnerStride(2), iy = runs.InnerStride(3);
            for (int i = 0; i < n; i++, od += id, oc += ic, ox += ix, oy += iy)
                sd[od] = sc[oc] != 0 ? sx[ox] : sy[oy];
        }
        return dst;
    }
}
