using System.Numerics.Tensors;

namespace Scratch.Tensors;

public sealed partial class NDArray
{
    private enum ReduceKind { Sum, Max, Min }

    /// <summary>Σ of all elements, or along <paramref name="axis"/>; <paramref name="keepDims"/> keeps that axis with length 1.</summary>
    public NDArray Sum(int? axis = null, bool keepDims = false, NDArray? into = null) => Reduce("Sum", ReduceKind.Sum, axis, keepDims, into);

    /// <summary>Largest element (NaN if any is NaN), overall or along <paramref name="axis"/>.</summary>
    public NDArray Max(int? axis = null, bool keepDims = false, NDArray? into = null) => Reduce("Max", ReduceKind.Max, axis, keepDims, into);

    /// <summary>Smallest element (NaN if any is NaN), overall or along <paramref name="axis"/>.</summary>
    public NDArray Min(int? axis = null, bool keepDims = false, NDArray? into = null) => Reduce("Min", ReduceKind.Min, axis, keepDims, into);

    /// <summary>Arithmetic mean <c>Σx / n</c>, overall or along <paramref name="axis"/> (NaN for an empty reduction).</summary>
    public NDArray Mean(int? axis = null, bool keepDims = false, NDArray? into = null)
    {
        NDArray sum = Reduce("Mean", ReduceKind.Sum, axis, keepDims, into);
        int n = axis is int a ? _shape[Tensors.Shape.NormalizeAxis("Mean", a, _shape)] : Size;
        return sum.MultiplyInPlace(1f / n);
    }

    /// <summary>Population variance <c>Σ(x − mean)² / n</c> (NumPy's default, ddof = 0), overall or along <paramref name="axis"/>.</summary>
    public NDArray Var(int? axis = null, bool keepDims = false)
    {
        NDArray mean = Mean(axis, keepDims: true);
        NDArray deviation = this - mean;
        return deviation.Square(into: deviation).Mean(axis, keepDims);
    }

    /// <summary>Index of the largest element (the first one on ties; the first NaN if any): of the flattened array, or along <paramref name="axis"/>.</summary>
    /// <remarks>Indices are returned as floats (exact up to 2^24), since an NDArray holds float32.</remarks>
    public NDArray ArgMax(int? axis = null, bool keepDims = false)
    {
        if (Size == 0)
            throw new ArgumentException($"ArgMax: attempt to take the argmax of an empty array of shape {Tensors.Shape.Format(_shape)}.");
        if (axis is null)
        {
            float index = TensorPrimitives.IndexOfMax(Contiguous().ContiguousSpan);
            return keepDims ? Full(Enumerable.Repeat(1, Rank).ToArray(), index) : Scalar(index);
        }
        var (outer, length, inner, outShape) = ReductionLayout("ArgMax", axis.Value, keepDims);
        var result = Uninitialized(outShape);
        ReadOnlySpan<float> src = Contiguous().ContiguousSpan;
        Span<float> dst = result.ContiguousSpan;
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<float> block = src.Slice(o * length * inner, length * inner);
            if (inner == 1)
            {
                dst[o] = TensorPrimitives.IndexOfMax(block);
                continue;
            }
            for (int j = 0; j < inner; j++)
            {
                int best = 0;
                float bestValue = block[j];
                for (int l = 1; l < length && !float.IsNaN(bestValue); l++)
                {
                    float v = block[l * inner + j];
                    if (v > bestValue || float.IsNaN(v)) { best = l; bestValue = v; }
                }
                dst[o * inner + j] = best;
            }
        }
        return result;
    }

    private NDArray Reduce(string op, ReduceKind kind, int? axis, bool keepDims, NDArray? into)
    {
        if (axis is null)
        {
            if (Size == 0 && kind != ReduceKind.Sum)
                throw new ArgumentException($"{op}: zero-size array of shape {Tensors.Shape.Format(_shape)} has no {op.ToLowerInvariant()}.");
            ReadOnlySpan<float> all = Contiguous().ContiguousSpan;
            float value = kind switch
            {
                ReduceKind.Sum => TensorPrimitives.Sum(all),
                ReduceKind.Max => TensorPrimitives.Max(all),
                _ => TensorPrimitives.Min(all),
            };
            int[] scalarShape = keepDims ? Enumerable.Repeat(1, Rank).ToArray() : [];
            if (into is null) return Full(scalarShape, value);
            return CheckInto(op, into, scalarShape).Fill(value);
        }

        var (outer, length, inner, outShape) = ReductionLayout(op, axis.Value, keepDims);
        if (length == 0 && kind != ReduceKind.Sum)
            throw new ArgumentException($"{op}: axis {axis} of shape {Tensors.Shape.Format(_shape)} is empty; the reduction has no identity.", nameof(axis));
        NDArray result = into is null ? Uninitialized(outShape) : CheckInto(op, into, outShape);
        // Reduce into a contiguous buffer: the result itself, or a scratch copy when `into` is a strided view.
        NDArray target = result.IsContiguous ? result : Uninitialized(outShape);
        ReadOnlySpan<float> src = Contiguous().ContiguousSpan;   // (outer, length, inner), row-major
        Span<float> dst = target.ContiguousSpan;                  // (outer, inner)
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<float> block = src.Slice(o * length * inner, length * inner);
            Span<float> row = dst.Slice(o * inner, inner);
            if (inner == 1)
            {
                row[0] = kind switch
                {
                    ReduceKind.Sum => TensorPrimitives.Sum(block),
                    ReduceKind.Max => TensorPrimitives.Max(block),
                    _ => TensorPrimitives.Min(block),
                };
                continue;
            }
            if (length == 0) { row.Clear(); continue; }
            block[..inner].CopyTo(row);                           // row = slice 0, then fold in slices 1 … length − 1
            for (int l = 1; l < length; l++)
            {
                ReadOnlySpan<float> slice = block.Slice(l * inner, inner);
                switch (kind)
                {
                    case ReduceKind.Sum: TensorPrimitives.Add(row, slice, row); break;
                    case ReduceKind.Max: TensorPrimitives.Max(row, slice, row); break;
                    default: TensorPrimitives.Min(row, slice, row); break;
                }
            }
        }
        if (!ReferenceEquals(target, result)) result.CopyFrom(target);
        return result;
    }

    /// <summary>Sees the array as (outer, length, inner) around <paramref name="axis"/>, and the result's shape.</summary>
    private (int Outer, int Length, int Inner, int[] OutShape) ReductionLayout(string op, int axis, bool keepDims)
    {
        int a = Tensors.Shape.NormalizeAxis(op, axis, _shape);
        int outer = Tensors.Shape.Size(_shape.AsSpan(0, a));
        int inner = Tensors.Shape.Size(_shape.AsSpan(a + 1));
        int[] outShape = keepDims ? [.. _shape[..a], 1, .. _shape[(a + 1)..]] : [.. _shape[..a], .. _shape[(a + 1)..]];
        return (outer, _shape[a], inner, outShape);
    }
}
