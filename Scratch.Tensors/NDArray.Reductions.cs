using Scratch.Tensors.Kernels;
using System.Numerics.Tensors;

namespace Scratch.Tensors;

public sealed partial class NDArray
{
    // ---- how a reduction runs ----------------------------------------------------------------------
    // The result (keepDims shape) is seen with stride 0 on every reduced axis, so it has the source's shape;
    // Runs then walks (result, source) together and each run either folds into one result element (the
    // reduced axis is innermost: one TensorPrimitives.Sum/Max/Min) or combines two spans elementwise (a kept
    // axis is innermost). No copy of the source, and nothing allocated when `into` is given.

    /// <summary>Σ of all elements, or along <paramref name="axis"/>; <paramref name="keepDims"/> keeps that axis with length 1.</summary>
    /// <remarks>x: (d0, …, dn) → () or, along axis k, the shape without dk (dk = 1 with <paramref name="keepDims"/>).</remarks>
    public NDArray Sum(int? axis = null, bool keepDims = false, NDArray? into = null) =>
        Reduce<AddOp>("Sum", axis, keepDims, into);

    /// <summary>Σ over every axis in <paramref name="axes"/> at once (NumPy's <c>sum(axis=(0, 2))</c>).</summary>
    /// <remarks>The reduced axes are dropped, or kept with length 1 when <paramref name="keepDims"/>. No axes: nothing is reduced.</remarks>
    public NDArray Sum(ReadOnlySpan<int> axes, bool keepDims = false, NDArray? into = null) =>
        Reduce<AddOp>("Sum", axes, false, keepDims, into);

    /// <summary>Largest element (NaN if any is NaN), overall or along <paramref name="axis"/>.</summary>
    public NDArray Max(int? axis = null, bool keepDims = false, NDArray? into = null) =>
        Reduce<MaximumOp>("Max", axis, keepDims, into);

    /// <summary>Largest element (NaN if any is NaN) over every axis in <paramref name="axes"/>.</summary>
    public NDArray Max(ReadOnlySpan<int> axes, bool keepDims = false, NDArray? into = null) =>
        Reduce<MaximumOp>("Max", axes, false, keepDims, into);

    /// <summary>Smallest element (NaN if any is NaN), overall or along <paramref name="axis"/>.</summary>
    public NDArray Min(int? axis = null, bool keepDims = false, NDArray? into = null) =>
        Reduce<MinimumOp>("Min", axis, keepDims, into);

    /// <summary>Smallest element (NaN if any is NaN) over every axis in <paramref name="axes"/>.</summary>
    public NDArray Min(ReadOnlySpan<int> axes, bool keepDims = false, NDArray? into = null) =>
        Reduce<MinimumOp>("Min", axes, false, keepDims, into);

    /// <summary>Arithmetic mean <c>Σx / n</c>, overall or along <paramref name="axis"/> (NaN for an empty reduction).</summary>
    public NDArray Mean(int? axis = null, bool keepDims = false, NDArray? into = null) =>
        Mean("Mean", axis is null ? [] : [axis.Value], axis is null, keepDims, into);

    /// <summary>Arithmetic mean <c>Σx / n</c> over every axis in <paramref name="axes"/> (n = the product of their lengths).</summary>
    public NDArray Mean(ReadOnlySpan<int> axes, bool keepDims = false, NDArray? into = null) =>
        Mean("Mean", axes, false, keepDims, into);

    /// <summary>Population variance <c>Σ(x − mean)² / n</c> (NumPy's default, ddof = 0), overall or along <paramref name="axis"/>.</summary>
    public NDArray Var(int? axis = null, bool keepDims = false) => Var("Var", axis is null ? [] : [axis.Value], axis is null, keepDims);

    /// <summary>Population variance <c>Σ(x − mean)² / n</c> over every axis in <paramref name="axes"/>.</summary>
    public NDArray Var(ReadOnlySpan<int> axes, bool keepDims = false) => Var("Var", axes, false, keepDims);

    /// <summary>Standard deviation <c>√(Σ(x − mean)² / n)</c> (NumPy's default, ddof = 0), overall or along <paramref name="axis"/>.</summary>
    public NDArray Std(int? axis = null, bool keepDims = false)
    {
        NDArray variance = Var("Std", axis is null ? [] : [axis.Value], axis is null, keepDims);
        return variance.Sqrt(into: variance);
    }

    /// <summary>Standard deviation <c>√(Σ(x − mean)² / n)</c> over every axis in <paramref name="axes"/>.</summary>
    public NDArray Std(ReadOnlySpan<int> axes, bool keepDims = false)
    {
        NDArray variance = Var("Std", axes, false, keepDims);
        return variance.Sqrt(into: variance);
    }

    /// <summary>Folds <paramref name="axis"/>, or every axis when it is null.</summary>
    private NDArray Reduce<TOp>(string op, int? axis, bool keepDims, NDArray? into) where TOp : struct, IFoldOp =>
        Reduce<TOp>(op, axis is null ? [] : [axis.Value], axis is null, keepDims, into);

    private NDArray Mean(string op, ReadOnlySpan<int> axes, bool all, bool keepDims, NDArray? into)
    {
        NDArray sum = Reduce<AddOp>(op, axes, all, keepDims, into);
        return sum.MultiplyInPlace(1f / (Size == 0 ? 0 : Size / sum.Size));   // n = the product of the reduced lengths
    }

    private NDArray Var(string op, ReadOnlySpan<int> axes, bool all, bool keepDims)
    {
        NDArray mean = Mean(op, axes, all, keepDims: true, into: null);
        NDArray deviation = this - mean;
        NDArray square = deviation.Square(into: deviation);
        return square.Mean(op, axes, all, keepDims, into: null);
    }

    /// <summary>Folds the axes in <paramref name="axes"/> (every axis when <paramref name="all"/>) with <typeparamref name="TOp"/>.</summary>
    private NDArray Reduce<TOp>(string op, ReadOnlySpan<int> axes, bool all, bool keepDims, NDArray? into) where TOp : struct, IFoldOp
    {
        int rank = _shape.Length;
        if (rank > Runs.MaxRank)
            throw new ArgumentException($"{op}: rank {rank} exceeds the limit of {Runs.MaxRank}.");
        Span<bool> reduced = stackalloc bool[rank];
        int count = all ? rank : 0;
        if (all) reduced.Fill(true);
        foreach (int axis in axes)
        {
            int a = Shapes.NormalizeAxis(op, axis, _shape);
            if (reduced[a])
                throw new ArgumentException($"{op}: axis {axis} repeated in the axes of shape {Shapes.Format(_shape)}.", nameof(axes));
            reduced[a] = true;
            count++;
        }
        if (typeof(TOp) != typeof(AddOp))
            for (int k = 0; k < rank; k++)
                if (reduced[k] && _shape[k] == 0)
                    throw new ArgumentException($"{op}: axis {k} of shape {Shapes.Format(_shape)} is empty; the reduction has no identity.", nameof(axes));

        Span<int> outShape = stackalloc int[keepDims ? rank : rank - count];
        for (int k = 0, j = 0; k < rank; k++)
            if (!reduced[k]) outShape[j++] = _shape[k];
            else if (keepDims) outShape[j++] = 1;
        NDArray result = into is null ? Uninitialized(outShape.ToArray()) : CheckInto(op, into, outShape);
        // An `into` that overlaps the source would be read after being written: reduce into a scratch array.
        NDArray target = MayShareMemory(result, this) ? Uninitialized(outShape.ToArray()) : result;

        Span<int> targetStrides = stackalloc int[rank];   // the result seen with the source's shape
        for (int k = 0, j = 0; k < rank; k++)
        {
            if (!reduced[k]) targetStrides[k] = target._strides[j++];
            else if (keepDims) j++;
        }
        // Walk the source in memory order (largest stride outermost, repeated axes first), so a transposed
        // source is still read in unit-stride runs; the order of a sum's terms is all that changes.
        Span<int> order = stackalloc int[rank];
        for (int k = 0; k < rank; k++)
        {
            int at = k;
            for (; at > 0 && MemoryRank(_strides[order[at - 1]]) < MemoryRank(_strides[k]); at--)
                order[at] = order[at - 1];
            order[at] = k;
        }
        Span<int> shape = stackalloc int[rank], sourceStrides = stackalloc int[rank], viewStrides = stackalloc int[rank];
        for (int k = 0; k < rank; k++)
        {
            shape[k] = _shape[order[k]];
            sourceStrides[k] = _strides[order[k]];
            viewStrides[k] = targetStrides[order[k]];
        }
        target.Fill(TOp.Identity);
        ReduceInto<TOp>(shape, new Operand(shape, viewStrides, target.Offset), new Operand(shape, sourceStrides, Offset), target._storage, _storage);
        if (!ReferenceEquals(target, result)) result.CopyFrom(target);
        return result;
    }

    /// <summary>How far out an axis of this stride goes in a memory-order walk: repeated (stride 0) axes first, then by |stride|.</summary>
    private static long MemoryRank(int stride) => stride == 0 ? long.MaxValue : Math.Abs((long)stride);

    /// <summary>
    /// <c>target[i] = target[i] ∘ fold of x over the reduced axes</c>, where <paramref name="view"/> is the target
    /// seen with x's (walk) shape and stride 0 on the reduced axes.
    /// </summary>
    private static void ReduceInto<TOp>(ReadOnlySpan<int> shape, Operand view, Operand x, float[] sd, float[] sx) where TOp : struct, IFoldOp
    {
        var runs = new Runs(shape, view, x);
        int n = runs.Length;
        while (runs.MoveNext())
        {
            int od = runs.Offset(0), ox = runs.Offset(1), id = runs.InnerStride(0), ix = runs.InnerStride(1);
            if (id == 0)                       // the run is along a reduced axis: fold it into one element
            {
                float folded;
                if (ix == 1)
                    folded = TOp.Fold(sx.AsSpan(ox, n));
                else
                {
                    folded = TOp.Identity;
                    for (int i = 0; i < n; i++, ox += ix)
                        folded = TOp.Apply(folded, sx[ox]);
                }
                sd[od] = TOp.Apply(sd[od], folded);
            }
            else if (id == 1 && ix == 1)       // along a kept axis: combine two spans
            {
                Span<float> row = sd.AsSpan(od, n);
                TOp.Apply(row, sx.AsSpan(ox, n), row);
            }
            else
                for (int i = 0; i < n; i++, od += id, ox += ix)
                    sd[od] = TOp.Apply(sd[od], sx[ox]);
        }
    }

    /// <summary>Index of the largest element (the first one on ties; the first NaN if any): of the flattened array, or along <paramref name="axis"/>.</summary>
    /// <remarks>Indices are returned as floats, since an NDArray holds float32: exact integers, as every index is below 2^24 (a longer axis throws). <c>(int)result[i]</c> gives the index.</remarks>
    public NDArray ArgMax(int? axis = null, bool keepDims = false) => ArgExtremum("ArgMax", largest: true, axis, keepDims);

    /// <summary>Index of the smallest element (the first one on ties; the first NaN if any): of the flattened array, or along <paramref name="axis"/>.</summary>
    /// <remarks>Indices are returned as floats (exact up to 2^24), as <see cref="ArgMax"/>.</remarks>
    public NDArray ArgMin(int? axis = null, bool keepDims = false) => ArgExtremum("ArgMin", largest: false, axis, keepDims);

    /// <summary>2^24: every integer up to it is exact in float32, so ArgMax/ArgMin index at most this many positions.</summary>
    private const int MaxExactFloatIndex = 1 << 24;

    private NDArray ArgExtremum(string op, bool largest, int? axis, bool keepDims)
    {
        if (Size == 0)
            throw new ArgumentException($"{op}: attempt to take the {op.ToLowerInvariant()} of an empty array of shape {Shapes.Format(_shape)}.");
        int positions = axis is int a ? _shape[Shapes.NormalizeAxis(op, a, _shape)] : Size;
        if (positions > MaxExactFloatIndex)
            throw new ArgumentException(
                $"{op}: {positions} positions {(axis is null ? "in the flattened array" : $"along axis {axis}")} of {Shapes.Format(_shape)}; float32 indices are exact only up to 2^24 = {MaxExactFloatIndex}.", nameof(axis));
        if (axis is null)
        {
            ReadOnlySpan<float> all = Contiguous().ContiguousSpan;
            float index = largest ? TensorPrimitives.IndexOfMax(all) : TensorPrimitives.IndexOfMin(all);
            return keepDims ? Full(Enumerable.Repeat(1, Rank).ToArray(), index) : Scalar(index);
        }
        var (outer, length, inner, outShape) = ReductionLayout(op, axis.Value, keepDims);
        var result = Uninitialized(outShape);
        ReadOnlySpan<float> src = Contiguous().ContiguousSpan;   // (outer, length, inner), row-major
        Span<float> dst = result.ContiguousSpan;
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<float> block = src.Slice(o * length * inner, length * inner);
            if (inner == 1)
            {
                dst[o] = largest ? TensorPrimitives.IndexOfMax(block) : TensorPrimitives.IndexOfMin(block);
                continue;
            }
            for (int j = 0; j < inner; j++)
            {
                int best = 0;
                float bestValue = block[j];
                for (int l = 1; l < length && !float.IsNaN(bestValue); l++)
                {
                    float v = block[l * inner + j];
                    if ((largest ? v > bestValue : v < bestValue) || float.IsNaN(v)) { best = l; bestValue = v; }
                }
                dst[o * inner + j] = best;
            }
        }
        return result;
    }

    /// <summary>Sees the array as (outer, length, inner) around <paramref name="axis"/>, and the result's shape.</summary>
    private (int Outer, int Length, int Inner, int[] OutShape) ReductionLayout(string op, int axis, bool keepDims)
    {
        int a = Shapes.NormalizeAxis(op, axis, _shape);
        int outer = Shapes.Size(_shape.AsSpan(0, a));
        int inner = Shapes.Size(_shape.AsSpan(a + 1));
        int[] outShape = keepDims ? [.. _shape[..a], 1, .. _shape[(a + 1)..]] : [.. _shape[..a], .. _shape[(a + 1)..]];
        return (outer, _shape[a], inner, outShape);
    }
}
