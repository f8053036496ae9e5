namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary>
    /// NumPy's basic indexing as a view (no copy): <c>x[1..3, ..]</c>, <c>x[0, ..]</c>, <c>x[^1]</c>,
    /// <c>x[.., Ix.Step(2)]</c>. Setting copies the value in, broadcasting it: <c>x[0, ..] = y</c>, <c>x[.., 1] = 0f</c>.
    /// </summary>
    /// <remarks>
    /// An integer drops its axis, a range or step keeps it, <see cref="Ix.NewAxis"/> inserts a length-1 axis and
    /// <see cref="Ix.Ellipsis"/> stands for the full axes not otherwise indexed; axes left over at the end are
    /// taken whole. When every index is an <c>int</c>, the element indexer is chosen instead and returns the
    /// float, as NumPy returns a scalar. Writing to a broadcast view throws.
    /// </remarks>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public NDArray this[params ReadOnlySpan<Ix> index]
    {
        get => View(index);
        set => View(index).CopyFrom(value);
    }

    /// <summary>
    /// NumPy's boolean-mask indexing <c>x[mask]</c>: the sub-arrays where <paramref name="mask"/> is non-zero,
    /// copied in row-major order. Setting writes the value (broadcast) into those positions.
    /// </summary>
    /// <remarks>
    /// mask: the leading axes of x, e.g. (N) or x's whole shape; x: (N, …) → (count, …). Comparisons such as
    /// <c>x &gt; 0</c> make masks of 0 and 1.
    /// </remarks>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public NDArray this[NDArray mask]
    {
        get
        {
            int[] selected = MaskOffsets("Mask", mask, out int[] rest, out int[] restStrides);
            var result = Uninitialized([selected.Length, .. rest]);
            int block = Shapes.Size(rest);
            Span<float> dst = result.ContiguousSpan;
            for (int i = 0; i < selected.Length; i++)
                ViewOf(rest, restStrides, selected[i]).CopyTo(dst.Slice(i * block, block));
            return result;
        }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            CheckWritable("Mask");
            int[] selected = MaskOffsets("Mask", mask, out int[] rest, out int[] restStrides);
            int[] target = [selected.Length, .. rest];
            Shapes.CheckBroadcastsTo("Mask", value._shape, target);
            NDArray source = (MayShareMemory(value, this) ? value.Clone() : value).BroadcastTo(target);
            for (int i = 0; i < selected.Length; i++)
                ViewOf(rest, restStrides, selected[i]).CopyFrom(source.At(i));
        }
    }

    /// <summary>The storage offsets of the sub-arrays a mask selects, and the shape and strides of each sub-array.</summary>
    private int[] MaskOffsets(string op, NDArray mask, out int[] rest, out int[] restStrides)
    {
        ArgumentNullException.ThrowIfNull(mask);
        int m = mask.Rank;
        if (m == 0 || m > Rank || !mask._shape.AsSpan().SequenceEqual(_shape.AsSpan(0, m)))
            throw new ArgumentException($"{op}: mask of shape {Shapes.Format(mask._shape)} does not match the leading axes of x {Shapes.Format(_shape)}.", nameof(mask));
        rest = _shape[m..];
        restStrides = _strides[m..];
        float[] flags = mask.ToArray();
        var offsets = new List<int>();
        var index = new int[m];
        for (int flat = 0; flat < flags.Length; flat++)
        {
            if (flags[flat] != 0)
            {
                int at = Offset;
                for (int k = 0; k < m; k++) at += index[k] * _strides[k];
                offsets.Add(at);
            }
            for (int k = m - 1; k >= 0 && ++index[k] == _shape[k]; k--)   // odometer
                index[k] = 0;
        }
        return [.. offsets];
    }

    /// <summary>The view an index selects: see the <c>this[params ReadOnlySpan&lt;Ix&gt;]</c> indexer.</summary>
    private NDArray View(ReadOnlySpan<Ix> index)
    {
        int consumed = 0, added = 0, ellipses = 0;
        foreach (Ix ix in index)
        {
            if (ix.Type is Ix.Kind.Single or Ix.Kind.Slice) consumed++;
            else if (ix.Type == Ix.Kind.NewAxis) added++;
            else ellipses++;
        }
        if (ellipses > 1)
            throw new ArgumentException($"Index: at most one Ix.Ellipsis, got {ellipses} for shape {Shapes.Format(_shape)}.", nameof(index));
        if (consumed > Rank)
            throw new ArgumentException($"Index: {consumed} indices for an array of shape {Shapes.Format(_shape)} (rank {Rank}).", nameof(index));

        var shape = new List<int>(Rank + added);
        var strides = new List<int>(Rank + added);
        int offset = Offset, axis = 0;
        foreach (Ix ix in index)
        {
            switch (ix.Type)
            {
                case Ix.Kind.NewAxis:
                    shape.Add(1);
                    strides.Add(0);
                    break;
                case Ix.Kind.Ellipsis:
                    for (int full = Rank - consumed; full > 0; full--, axis++)
                    {
                        shape.Add(_shape[axis]);
                        strides.Add(_strides[axis]);
                    }
                    break;
                case Ix.Kind.Single:
                {
                    int i = Ix.Offset(ix.Start, _shape[axis]);
                    if ((uint)i >= (uint)_shape[axis])
                        throw new IndexOutOfRangeException($"Index: index {ix} is out of range for axis {axis} of shape {Shapes.Format(_shape)}.");
                    offset += i * _strides[axis];
                    axis++;
                    break;
                }
                default:
                {
                    var (begin, count) = ix.Resolve(_shape[axis]);
                    shape.Add(count);
                    strides.Add(count == 1 ? 0 : _strides[axis] * ix.StepSize);
                    if (count > 0) offset += begin * _strides[axis];
                    axis++;
                    break;
                }
            }
        }
        for (; axis < Rank; axis++)   // axes not indexed are taken whole
        {
            shape.Add(_shape[axis]);
            strides.Add(_strides[axis]);
        }
        return ViewOf([.. shape], [.. strides], offset);
    }

    /// <summary>A rank-0 array holding <paramref name="value"/>, so a float can stand for an array: <c>x[0, ..] = 1f</c>, <c>Where(c, x, 0f)</c>.</summary>
    public static implicit operator NDArray(float value) => Scalar(value);
}
