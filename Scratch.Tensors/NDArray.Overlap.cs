namespace Scratch.Tensors;

public sealed partial class NDArray
{
    // ---- overlap between a destination and an operand -----------------------------------------------
    // Writing dst while reading an operand that shares its storage is safe only when both walk the same
    // elements in the same order (an exact alias, e.g. x.AddInPlace(y) with into == x). Otherwise an
    // element could be overwritten before it is read, so the operand is first copied to a temporary, as
    // NumPy buffers overlapping operands of a ufunc.

    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> share storage and the storage ranges they span
    /// intersect (NumPy's <c>may_share_memory</c>: a fast, conservative test).
    /// </summary>
    public static bool MayShareMemory(NDArray a, NDArray b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!ReferenceEquals(a._storage, b._storage) || a.Size == 0 || b.Size == 0) return false;
        var (loA, hiA) = a.StorageRange();
        var (loB, hiB) = b.StorageRange();
        return loA <= hiB && loB <= hiA;
    }

    /// <summary>Lowest and highest storage index this (non-empty) view touches.</summary>
    private (long Low, long High) StorageRange()
    {
        long low = Offset, high = Offset;
        for (int k = 0; k < _shape.Length; k++)
        {
            long reach = (long)(_shape[k] - 1) * _strides[k];
            if (reach < 0) low += reach; else high += reach;
        }
        return (low, high);
    }

    /// <summary>
    /// <paramref name="operand"/> itself when writing <paramref name="dst"/> cannot change what it reads,
    /// else a copy of it. Allocates only in the overlapping case.
    /// </summary>
    internal static NDArray Unaliased(NDArray operand, NDArray dst)
    {
        if (!MayShareMemory(operand, dst) || IsExactAlias(operand, dst)) return operand;
        return operand.Clone();
    }

    /// <summary>True when <paramref name="operand"/>, broadcast to <paramref name="dst"/>'s shape, reads element i exactly where dst writes element i.</summary>
    private static bool IsExactAlias(NDArray operand, NDArray dst)
    {
        if (operand.Offset != dst.Offset) return false;
        int shift = dst._shape.Length - operand._shape.Length;
        for (int k = 0; k < dst._shape.Length; k++)
        {
            if (dst._shape[k] == 1) continue;
            int j = k - shift;
            int stride = j < 0 || operand._shape[j] == 1 ? 0 : operand._strides[j];
            if (stride != dst._strides[k]) return false;
        }
        return true;
    }

    /// <summary>Throws when this view is read-only (<see cref="IsReadOnly"/>) or repeats elements (a stride-0 axis of length &gt; 1).</summary>
    internal void CheckWritable(string op)
    {
        if (_readOnly)
            throw new InvalidOperationException(
                $"{op}: the array {Shapes.Format(_shape)} is a view of a BroadcastTo result and is read-only, as NumPy's broadcast_to result; write to a Clone() instead.");
        for (int k = 0; k < _shape.Length; k++)
            if (_strides[k] == 0 && _shape[k] > 1)
                throw new InvalidOperationException(
                    $"{op}: the array {Shapes.Format(_shape)} is a broadcast view (stride 0 on axis {k}) and is read-only, as NumPy's broadcast_to result; write to a Clone() instead.");
    }
}
