namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary>True when every pair of elements satisfies <c>|a − b| ≤ atol + rtol·|b|</c>, with broadcasting (NumPy's <c>allclose</c>).</summary>
    /// <remarks>
    /// The test is NumPy's, asymmetric in b. NaN is close to nothing (to NaN too when <paramref name="equalNan"/>);
    /// infinities are close only to the same infinity. Shapes that do not broadcast throw.
    /// </remarks>
    public static bool AllClose(NDArray a, NDArray b, double rtol = 1e-5, double atol = 1e-8, bool equalNan = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int rank = Math.Max(a.Rank, b.Rank);
        if (rank > Runs.MaxRank)
            throw new ArgumentException($"AllClose: rank {rank} exceeds the limit of {Runs.MaxRank}.");
        Span<int> shape = stackalloc int[rank];
        Shapes.Broadcast("AllClose", a._shape, b._shape, shape);
        var runs = new Runs(shape, a, b);
        int n = runs.Length;
        while (runs.MoveNext())
        {
            int oa = runs.Offset(0), ob = runs.Offset(1), ia = runs.InnerStride(0), ib = runs.InnerStride(1);
            for (int i = 0; i < n; i++, oa += ia, ob += ib)
                if (!IsClose(a._storage[oa], b._storage[ob], rtol, atol, equalNan)) return false;
        }
        return true;
    }

    /// <summary>1 where <c>|a − b| ≤ atol + rtol·|b|</c>, else 0, with broadcasting (NumPy's <c>isclose</c>, same rules as <see cref="AllClose"/>).</summary>
    public static NDArray IsClose(NDArray a, NDArray b, double rtol = 1e-5, double atol = 1e-8, bool equalNan = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        NDArray result = Uninitialized(Shapes.Broadcast("IsClose", a._shape, b._shape));
        var runs = new Runs(result._shape, result, a, b);
        int n = runs.Length;
        while (runs.MoveNext())
        {
            int od = runs.Offset(0), oa = runs.Offset(1), ob = runs.Offset(2);
            int id = runs.InnerStride(0), ia = runs.InnerStride(1), ib = runs.InnerStride(2);
            for (int i = 0; i < n; i++, od += id, oa += ia, ob += ib)
                result._storage[od] = IsClose(a._storage[oa], b._storage[ob], rtol, atol, equalNan) ? 1f : 0f;
        }
        return result;
    }

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> have the same shape and equal elements (NumPy's <c>array_equal</c>; NaN ≠ NaN).</summary>
    public static bool ArrayEqual(NDArray a, NDArray b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a._shape.AsSpan().SequenceEqual(b._shape)) return false;
        var runs = new Runs(a._shape, a, b);
        int n = runs.Length;
        while (runs.MoveNext())
        {
            int oa = runs.Offset(0), ob = runs.Offset(1), ia = runs.InnerStride(0), ib = runs.InnerStride(1);
            for (int i = 0; i < n; i++, oa += ia, ob += ib)
                if (!(a._storage[oa] == b._storage[ob])) return false;
        }
        return true;
    }

    private static bool IsClose(float a, float b, double rtol, double atol, bool equalNan)
    {
        if (float.IsNaN(a) || float.IsNaN(b)) return equalNan && float.IsNaN(a) && float.IsNaN(b);
        if (float.IsInfinity(a) || float.IsInfinity(b)) return a == b;
        return Math.Abs((double)a - b) <= atol + rtol * Math.Abs((double)b);
    }
}
