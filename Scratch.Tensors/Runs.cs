namespace Scratch.Tensors;

/// <summary>
/// Walks one or more same-shaped (already broadcast) views together as runs along their innermost axis.
/// </summary>
/// <remarks>
/// Axes of length 1 are dropped, and neighbouring axes are merged whenever every operand steps through
/// them as through one longer axis (<c>stride[k] == stride[k+1]·shape[k+1]</c>). A contiguous array thus
/// becomes one run of <c>Size</c> elements, a row broadcast becomes one run per row, and a transposed
/// view becomes runs with a non-unit inner stride. Usage:
/// <code>
/// var runs = new Runs(shape, [dst.Offset, x.Offset], [dstStrides, xStrides]);
/// while (runs.MoveNext())  // runs.Offset(0), runs.Offset(1), runs.Length, runs.InnerStride(1) …
/// </code>
/// </remarks>
internal sealed class Runs
{
    private readonly int[] _shape;       // merged outer shape (innermost axis removed)
    private readonly int[][] _strides;   // per operand, merged outer strides
    private readonly int[] _index;
    private readonly int[] _offsets;
    private readonly int[] _innerStrides;
    private long _remaining;
    private bool _started;

    /// <summary>Elements in each run.</summary>
    public int Length { get; }

    /// <summary>Number of runs in all.</summary>
    public long Count { get; }

    public Runs(ReadOnlySpan<int> shape, int[] offsets, int[][] strides)
    {
        int operands = offsets.Length;
        var mergedShape = new List<int>(shape.Length);
        var merged = new List<int>[operands];
        for (int o = 0; o < operands; o++) merged[o] = new List<int>(shape.Length);

        for (int k = 0; k < shape.Length; k++)
        {
            if (shape[k] == 1) continue;
            int last = mergedShape.Count - 1;
            bool canMerge = last >= 0;
            for (int o = 0; o < operands && canMerge; o++)
                canMerge = merged[o][last] == strides[o][k] * shape[k];
            if (canMerge)
            {
                mergedShape[last] *= shape[k];
                for (int o = 0; o < operands; o++) merged[o][last] = strides[o][k];
            }
            else
            {
                mergedShape.Add(shape[k]);
                for (int o = 0; o < operands; o++) merged[o].Add(strides[o][k]);
            }
        }

        long size = 1;
        foreach (int d in shape) size *= d;
        if (mergedShape.Count == 0)   // a scalar or all-ones shape: one run of one element (or none if empty)
        {
            mergedShape.Add(1);
            for (int o = 0; o < operands; o++) merged[o].Add(0);
        }

        int r = mergedShape.Count;
        Length = size == 0 ? 0 : mergedShape[r - 1];
        Count = size == 0 ? 0 : size / Length;
        _shape = mergedShape.GetRange(0, r - 1).ToArray();
        _strides = new int[operands][];
        _innerStrides = new int[operands];
        for (int o = 0; o < operands; o++)
        {
            _strides[o] = merged[o].GetRange(0, r - 1).ToArray();
            _innerStrides[o] = merged[o][r - 1];
        }
        _index = new int[_shape.Length];
        _offsets = (int[])offsets.Clone();
        _remaining = Count;
    }

    /// <summary>Storage index of the current run's first element, for operand <paramref name="operand"/>.</summary>
    public int Offset(int operand) => _offsets[operand];

    /// <summary>Step between the elements of a run, for operand <paramref name="operand"/> (0 = broadcast).</summary>
    public int InnerStride(int operand) => _innerStrides[operand];

    /// <summary>Advances to the next run (the first call moves to the first run).</summary>
    public bool MoveNext()
    {
        if (_remaining == 0) return false;
        _remaining--;
        if (!_started)
        {
            _started = true;
            return true;
        }
        for (int k = _shape.Length - 1; k >= 0; k--)   // odometer over the outer axes
        {
            for (int o = 0; o < _offsets.Length; o++) _offsets[o] += _strides[o][k];
            if (++_index[k] < _shape[k]) return true;
            for (int o = 0; o < _offsets.Length; o++) _offsets[o] -= _strides[o][k] * _shape[k];
            _index[k] = 0;
        }
        return true;
    }

    /// <summary>Runs of a single view.</summary>
    public static Runs Of(NDArray x) => new(x.ShapeSpan, [x.Offset], [x.StridesSpan.ToArray()]);
}
