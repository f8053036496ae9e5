namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary>The same elements in a new shape; one length may be −1. A view when the strides allow it, else a copy (as NumPy).</summary>
    public NDArray Reshape(params ReadOnlySpan<int> shape)
    {
        int[] target = ResolveShape("Reshape", shape, Size);
        if (Shapes.Size(target) != Size)
            throw new ArgumentException($"Reshape: cannot reshape {Shapes.Format(_shape)} ({Size} elements) into {Shapes.Format(shape)}.", nameof(shape));
        return TryReshapeViewOwned(target, out NDArray? view) ? view : Clone().ReshapeOwned(target);
    }

    /// <summary>Reshapes without copying when every group of merged axes is laid out as one strided run.</summary>
    public bool TryReshapeView(ReadOnlySpan<int> shape, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NDArray? view) =>
        TryReshapeViewOwned(shape.ToArray(), out view);

    /// <summary>A contiguous array's new shape, taking <paramref name="shape"/> as the view's own (no copy).</summary>
    private NDArray ReshapeOwned(int[] shape) => ViewOf(shape, Shapes.ContiguousStrides(shape), Offset);

    /// <summary><see cref="TryReshapeView(ReadOnlySpan{int}, out NDArray?)"/> keeping <paramref name="shape"/> as the view's own array.</summary>
    private bool TryReshapeViewOwned(int[] shape, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NDArray? view)
    {
        view = null;
        if (Shapes.Size(shape) != Size) return false;
        if (IsContiguous)
        {
            view = ReshapeOwned(shape);
            return true;
        }
        // Walk old and new axes (ignoring length 1) in step: each group of old axes that multiplies to a
        // group of new axes must be one strided block, and the new strides subdivide it (NumPy's _attempt_nocopy_reshape).
        var oldDims = new List<(int Len, int Stride)>();
        for (int k = 0; k < _shape.Length; k++)
            if (_shape[k] != 1) oldDims.Add((_shape[k], _strides[k]));
        var newStrides = new int[shape.Length];
        int oi = 0, ni = 0;
        var newAxes = new List<int>();
        for (int k = 0; k < shape.Length; k++) if (shape[k] != 1) newAxes.Add(k);
        while (oi < oldDims.Count && ni < newAxes.Count)
        {
            int oj = oi, nj = ni;
            long op = oldDims[oi].Len, np = shape[newAxes[ni]];
            while (op != np)
            {
                if (op < np) op *= oldDims[++oj].Len;
                else np *= shape[newAxes[++nj]];
            }
            for (int k = oi; k < oj; k++)                      // the old group must be one strided block
                if (oldDims[k].Stride != oldDims[k + 1].Stride * oldDims[k + 1].Len) return false;
            int stride = oldDims[oj].Stride;                    // then split it into the new axes
            for (int k = nj; k >= ni; k--)
            {
                newStrides[newAxes[k]] = stride;
                stride *= shape[newAxes[k]];
            }
            oi = oj + 1;
            ni = nj + 1;
        }
        view = ViewOf(shape, newStrides, Offset);
        return true;
    }

    /// <summary>Permutes the axes (no copy): result axis k is this array's axis <c>axes[k]</c>. No axes: reverse them.</summary>
    public NDArray Transpose(params ReadOnlySpan<int> axes)
    {
        int rank = _shape.Length;
        if (axes.Length == 0)
            axes = Enumerable.Range(0, rank).Reverse().ToArray();
        if (axes.Length != rank)
            throw new ArgumentException($"Transpose: {axes.Length} axes given for shape {Shapes.Format(_shape)} (rank {rank}).", nameof(axes));
        var seen = new bool[rank];
        var shape = new int[rank];
        var strides = new int[rank];
        for (int k = 0; k < rank; k++)
        {
            int a = Shapes.NormalizeAxis("Transpose", axes[k], _shape);
            if (seen[a])
                throw new ArgumentException($"Transpose: axis {axes[k]} repeated in {Shapes.Format(axes)}.", nameof(axes));
            seen[a] = true;
            shape[k] = _shape[a];
            strides[k] = _strides[a];
        }
        return ViewOf(shape, strides, Offset);
    }

    /// <summary>Swaps two axes (no copy).</summary>
    public NDArray SwapAxes(int axis1, int axis2)
    {
        var axes = Enumerable.Range(0, Rank).ToArray();
        int a = Shapes.NormalizeAxis("SwapAxes", axis1, _shape), b = Shapes.NormalizeAxis("SwapAxes", axis2, _shape);
        (axes[a], axes[b]) = (axes[b], axes[a]);
        return Transpose(axes);
    }

    /// <summary>The axes reversed (no copy): the matrix transpose for 2-D arrays.</summary>
    public NDArray T => Transpose();

    /// <summary>
    /// Elements <c>start, start + step, …</c> (before <paramref name="stop"/>) along <paramref name="axis"/>, as a view.
    /// Negative start/stop count from the end, as in Python; out-of-range bounds are clipped; step may be negative.
    /// </summary>
    public NDArray Slice(int axis, int start, int stop, int step = 1)
    {
        int a = Shapes.NormalizeAxis("Slice", axis, _shape);
        if (step == 0)
            throw new ArgumentException($"Slice: step must not be 0 (axis {axis} of {Shapes.Format(_shape)}).", nameof(step));
        int n = _shape[a];
        int Clip(int i, int lo, int hi) => Math.Clamp(i < 0 ? i + n : i, lo, hi);
        int begin = step > 0 ? Clip(start, 0, n) : Clip(start, -1, n - 1);
        int end = step > 0 ? Clip(stop, 0, n) : Clip(stop, -1, n - 1);
        int count = step > 0 ? Math.Max(0, (end - begin + step - 1) / step) : Math.Max(0, (begin - end - step - 1) / -step);
        var shape = _shape.ToArray();
        var strides = _strides.ToArray();
        shape[a] = count;
        strides[a] = count == 1 ? 0 : _strides[a] * step;
        int offset = count == 0 ? Offset : Offset + begin * _strides[a];
        return ViewOf(shape, strides, offset);
    }

    /// <summary>Element <paramref name="index"/> along axis 0, as a view of rank − 1 (e.g. one image of a batch).</summary>
    public NDArray At(int index)
    {
        if (Rank == 0) throw new InvalidOperationException("At: a rank-0 array has no axis to index.");
        int i = index < 0 ? index + _shape[0] : index;
        if ((uint)i >= (uint)_shape[0])
            throw new ArgumentOutOfRangeException(nameof(index), index, $"At: index {index} is out of range for shape {Shapes.Format(_shape)}.");
        return ViewOf(_shape[1..], _strides[1..], Offset + i * _strides[0]);
    }

    /// <summary>This array repeated to <paramref name="shape"/> by NumPy's rules, as a stride-0 view (no copy).</summary>
    /// <remarks>The view and every view of it are read-only (<see cref="IsReadOnly"/>), as NumPy's <c>broadcast_to</c>: writing one element would change a whole repeated line.</remarks>
    public NDArray BroadcastTo(params ReadOnlySpan<int> shape)
    {
        int[] result = Shapes.Broadcast("BroadcastTo", _shape, shape);
        if (!result.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"BroadcastTo: cannot broadcast {Shapes.Format(_shape)} to {Shapes.Format(shape)}.", nameof(shape));
        return new NDArray(_storage, result, Shapes.BroadcastStrides(_shape, _strides, result), Offset) { _readOnly = true };
    }

    /// <summary>Removes length-1 axes: all of them, or only <paramref name="axis"/> (which must have length 1).</summary>
    public NDArray Squeeze(int? axis = null)
    {
        if (axis is int ax)
        {
            int a = Shapes.NormalizeAxis("Squeeze", ax, _shape);
            if (_shape[a] != 1)
                throw new ArgumentException($"Squeeze: axis {ax} of {Shapes.Format(_shape)} has length {_shape[a]}, expected 1.", nameof(axis));
            return ViewOf([.. _shape[..a], .. _shape[(a + 1)..]], [.. _strides[..a], .. _strides[(a + 1)..]], Offset);
        }
        var keep = Enumerable.Range(0, Rank).Where(k => _shape[k] != 1).ToArray();
        return ViewOf(keep.Select(k => _shape[k]).ToArray(), keep.Select(k => _strides[k]).ToArray(), Offset);
    }

    /// <summary>Inserts a length-1 axis at <paramref name="axis"/> (−1 appends), as a view.</summary>
    public NDArray Unsqueeze(int axis)
    {
        int a = Shapes.NormalizeAxis("Unsqueeze", axis, _shape, Rank + 1);
        return ViewOf([.. _shape[..a], 1, .. _shape[a..]], [.. _strides[..a], 0, .. _strides[a..]], Offset);
    }
}
