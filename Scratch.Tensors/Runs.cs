using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Scratch.Tensors;

/// <summary>One operand of a <see cref="Runs"/> walk: a view's shape, strides and offset (broadcast to the walk's shape).</summary>
internal readonly ref struct Operand(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, int offset)
{
    /// <summary>The operand's own lengths (aligned at the right with the walk's shape).</summary>
    public ReadOnlySpan<int> Shape { get; } = shape;
    /// <summary>The operand's strides, one per axis of <see cref="Shapes"/>.</summary>
    public ReadOnlySpan<int> Strides { get; } = strides;
    /// <summary>Storage index of the operand's first element.</summary>
    public int Offset { get; } = offset;

    /// <summary>A view as an operand: its shape, strides and offset.</summary>
    public static implicit operator Operand(NDArray x) => new(x.ShapeSpan, x.StridesSpan, x.Offset);
}

/// <summary>
/// Walks one to four views of one (broadcast) shape together as runs along their innermost axis, allocating nothing.
/// </summary>
/// <remarks>
/// Each operand is aligned to the walk's shape at the right, as NumPy broadcasts: a missing or length-1 axis
/// gets stride 0. Axes of length 1 are dropped, and neighbouring axes are merged whenever every operand
/// steps through them as through one longer axis (<c>stride[k] == stride[k+1]·shape[k+1]</c>). A contiguous
/// array thus becomes one run of <c>Size</c> elements, a row broadcast becomes one run per row, and a
/// transposed view becomes runs with a non-unit inner stride. Usage:
/// <code>
/// var runs = new Runs(dst.ShapeSpan, dst, x);
/// while (runs.MoveNext())  // runs.Offset(0), runs.Offset(1), runs.Length, runs.InnerStride(1) …
/// </code>
/// The state lives in fixed inline buffers (rank ≤ <see cref="MaxRank"/>, as NumPy's limit), so a walk is
/// a stack value and the elementwise ops with <c>into:</c> allocate nothing.
/// </remarks>
internal ref struct Runs
{
    /// <summary>Largest rank a walk supports (NumPy's limit).</summary>
    public const int MaxRank = 32;
    private const int MaxOperands = 4;

    [InlineArray(MaxRank)] private struct AxisBuffer { private int _element; }
    [InlineArray(MaxRank * MaxOperands)] private struct StrideBuffer { private int _element; }
    [InlineArray(MaxOperands)] private struct OperandBuffer { private int _element; }

    private AxisBuffer _shape;            // merged outer shape (innermost axis removed)
    private AxisBuffer _index;
    private StrideBuffer _strides;        // operand o, merged axis k at [o·MaxRank + k]
    private OperandBuffer _offsets;
    private OperandBuffer _innerStrides;
    private readonly int _outerRank;
    private readonly int _operands;
    private long _remaining;
    private bool _started;

    /// <summary>Elements in each run.</summary>
    public int Length { get; }

    /// <summary>Number of runs in all.</summary>
    public long Count { get; }

    /// <summary>A walk of <paramref name="shape"/> over one view.</summary>
    public Runs(ReadOnlySpan<int> shape, Operand op0) : this(shape, 1, op0, default, default, default) { }

    /// <summary>A walk of <paramref name="shape"/> over two views that broadcast to it.</summary>
    public Runs(ReadOnlySpan<int> shape, Operand op0, Operand op1) : this(shape, 2, op0, op1, default, default) { }

    /// <summary>A walk of <paramref name="shape"/> over three views that broadcast to it.</summary>
    public Runs(ReadOnlySpan<int> shape, Operand op0, Operand op1, Operand op2) : this(shape, 3, op0, op1, op2, default) { }

    /// <summary>A walk of <paramref name="shape"/> over four views that broadcast to it.</summary>
    public Runs(ReadOnlySpan<int> shape, Operand op0, Operand op1, Operand op2, Operand op3) : this(shape, 4, op0, op1, op2, op3) { }

    private Runs(ReadOnlySpan<int> shape, int operands, Operand op0, Operand op1, Operand op2, Operand op3)
    {
        if (shape.Length > MaxRank)
            throw new ArgumentException($"NDArray: rank {shape.Length} of shape {Shapes.Format(shape)} exceeds the limit of {MaxRank}.");
        _operands = operands;
        _offsets[0] = op0.Offset; _offsets[1] = op1.Offset; _offsets[2] = op2.Offset; _offsets[3] = op3.Offset;

        int merged = 0;
        long size = 1;
        for (int k = 0; k < shape.Length; k++)
        {
            size *= shape[k];
            if (shape[k] == 1) continue;
            bool canMerge = merged > 0;
            for (int o = 0; o < _operands && canMerge; o++)
                canMerge = _strides[o * MaxRank + merged - 1] == StrideOf(o, op0, op1, op2, op3, shape, k) * shape[k];
            if (canMerge)
                _shape[merged - 1] *= shape[k];
            else
                _shape[merged++] = shape[k];
            for (int o = 0; o < _operands; o++)
                _strides[o * MaxRank + merged - 1] = StrideOf(o, op0, op1, op2, op3, shape, k);
        }
        if (merged == 0)   // a scalar or all-ones shape: one run of one element (or none if empty)
        {
            _shape[0] = 1;
            for (int o = 0; o < _operands; o++) _strides[o * MaxRank] = 0;
            merged = 1;
        }

        _outerRank = merged - 1;
        Length = size == 0 ? 0 : _shape[_outerRank];
        Count = size == 0 ? 0 : size / Length;
        for (int o = 0; o < _operands; o++)
            _innerStrides[o] = _strides[o * MaxRank + _outerRank];
        _remaining = Count;
    }

    /// <summary>Stride of operand <paramref name="o"/> on axis <paramref name="k"/> of the walk (0 where it broadcasts).</summary>
    private static int StrideOf(int o, Operand op0, Operand op1, Operand op2, Operand op3, ReadOnlySpan<int> shape, int k)
    {
        Operand op = o switch { 0 => op0, 1 => op1, 2 => op2, _ => op3 };
        int j = k - (shape.Length - op.Shape.Length);
        if (j < 0 || op.Shape[j] == 1) return 0;
        Debug.Assert(op.Shape[j] == shape[k]);   // the caller checked the broadcast
        return op.Strides[j];
    }

    /// <summary>Storage index of the current run's first element, for operand <paramref name="operand"/>.</summary>
    public readonly int Offset(int operand) => _offsets[operand];

    /// <summary>Step between the elements of a run, for operand <paramref name="operand"/> (0 = broadcast).</summary>
    public readonly int InnerStride(int operand) => _innerStrides[operand];

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
        for (int k = _outerRank - 1; k >= 0; k--)   // odometer over the outer axes
        {
            for (int o = 0; o < _operands; o++) _offsets[o] += _strides[o * MaxRank + k];
            if (++_index[k] < _shape[k]) return true;
            for (int o = 0; o < _operands; o++) _offsets[o] -= _strides[o * MaxRank + k] * _shape[k];
            _index[k] = 0;
        }
        return true;
    }

    /// <summary>Runs of a single view.</summary>
    public static Runs Of(NDArray x) => new(x.ShapeSpan, x);
}
