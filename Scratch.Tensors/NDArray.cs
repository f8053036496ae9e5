using Scratch.Tensors.Kernels;

namespace Scratch.Tensors;

/// <summary>
/// A float32 n-dimensional array: a view <c>(storage, shape, strides, offset)</c> onto a shared <c>float[]</c>.
/// Element <c>[i0, i1, …]</c> lives at <c>Offset + Σ ik·Strides[k]</c>.
/// </summary>
/// <remarks>
/// Views (Reshape when the layout allows it, Transpose, Slice, indexing such as <c>x[1..3, ..]</c> (see <see cref="Ix"/>),
/// BroadcastTo, Squeeze, Unsqueeze, Split) share the storage and never copy; <see cref="Contiguous"/> and
/// <see cref="Clone"/> copy. See <see cref="Shapes"/>
/// for a drawing of a view inside its buffer.
/// </remarks>
public sealed partial class NDArray
{
    private readonly float[] _storage;
    private readonly int[] _shape;
    private readonly int[] _strides;
    private bool _readOnly;   // set once, when a BroadcastTo view (or a view of one) is made

    // The first use of NDArray starts compiling the GEMM kernels in the background (KernelWarmUp), so that they are
    // ready by the first large MatMul. A static constructor rather than a module initializer: it runs when an NDArray
    // is first made or a static method of it first called, which is when a program starts on tensors, whereas a
    // module initializer would run at the assembly's first use of any kind (a reference to Gemm.Default, a test that
    // only reads a type), and analyzer CA2255 rightly discourages them in libraries.
    static NDArray() => KernelWarmUp.StartInBackground();

    /// <summary>Wraps <paramref name="storage"/> as a view; nothing is copied. Shape and strides are trusted.</summary>
    internal NDArray(float[] storage, int[] shape, int[] strides, int offset)
    {
        _storage = storage;
        _shape = shape;
        _strides = strides;
        Offset = offset;
        Size = Shapes.Size(shape);
    }

    /// <summary>A new contiguous array of <paramref name="shape"/> over a fresh zeroed buffer.</summary>
    private NDArray(int[] shape) : this(new float[Shapes.Size(shape)], shape, Shapes.ContiguousStrides(shape), 0) { }

    /// <summary>A new contiguous array whose buffer is not zeroed: only for results that write every element.</summary>
    private static NDArray Uninitialized(int[] shape) =>
        new(GC.AllocateUninitializedArray<float>(Shapes.Size(shape)), shape, Shapes.ContiguousStrides(shape), 0);

    /// <summary>Another view of this array's storage, read-only when this one is.</summary>
    private NDArray ViewOf(int[] shape, int[] strides, int offset) => new(_storage, shape, strides, offset) { _readOnly = _readOnly };

    /// <summary>True for a <see cref="BroadcastTo"/> view and the views made from it: writing them throws (NumPy's <c>broadcast_to</c> is read-only). <see cref="Clone"/> gives a writable copy.</summary>
    public bool IsReadOnly => _readOnly;

    /// <summary>The buffer shared by this array and every view of it.</summary>
    public float[] Storage => _storage;

    /// <summary>Lengths of the axes, outermost first (a copy).</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>Step in <see cref="Storage"/>, in elements, for each axis (a copy). 0 means the axis repeats one element.</summary>
    public int[] Strides => (int[])_strides.Clone();

    /// <summary>Index in <see cref="Storage"/> of element <c>[0, 0, …]</c>.</summary>
    public int Offset { get; }

    /// <summary>Number of axes.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements (the product of <see cref="Shapes"/>).</summary>
    public int Size { get; }

    /// <summary>True when the elements lie row-major and gap-free from <see cref="Offset"/> (any offset).</summary>
    public bool IsContiguous
    {
        get
        {
            if (Size == 0) return true;
            int expected = 1;
            for (int k = _shape.Length - 1; k >= 0; k--)
            {
                if (_shape[k] == 1) continue;
                if (_strides[k] != expected) return false;
                expected *= _shape[k];
            }
            return true;
        }
    }

    /// <summary>The contiguous elements as a span (only for <see cref="IsContiguous"/> arrays).</summary>
    internal Span<float> ContiguousSpan
    {
        get
        {
            if (!IsContiguous) throw new InvalidOperationException($"NDArray {Shapes.Format(_shape)} with strides {Shapes.Format(_strides)} is not contiguous.");
            return Size == 0 ? Span<float>.Empty : _storage.AsSpan(Offset, Size);   // an empty view's offset may lie past the storage
        }
    }

    /// <summary>Length of axis <paramref name="axis"/> (negative counts from the end), without copying <see cref="Shapes"/>.</summary>
    public int Dim(int axis) => _shape[Shapes.NormalizeAxis("Dim", axis, _shape)];

    internal ReadOnlySpan<int> ShapeSpan => _shape;
    internal ReadOnlySpan<int> StridesSpan => _strides;

    /// <summary>Element access: <c>x[i, j]</c>; negative indices count from the end.</summary>
    /// <remarks>One integer per axis gives the float element, as NumPy gives a scalar; any range, <c>^i</c> or
    /// <see cref="Ix"/> gives a view instead (<c>x[0, ..]</c>). Writing through a broadcast view throws.</remarks>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public float this[params ReadOnlySpan<int> index]
    {
        get => _storage[StorageIndex(index)];
        set
        {
            int at = StorageIndex(index);
            CheckWritable("Indexer");
            _storage[at] = value;
        }
    }

    private int StorageIndex(ReadOnlySpan<int> index)
    {
        if (index.Length != _shape.Length)
            throw new ArgumentException($"Indexer: {index.Length} indices for an array of shape {Shapes.Format(_shape)}; "
                + "an element needs one integer per axis (for a view, add .. for the rest: x[0, ..]).", nameof(index));
        int at = Offset;
        for (int k = 0; k < index.Length; k++)
        {
            int i = index[k] < 0 ? index[k] + _shape[k] : index[k];
            if ((uint)i >= (uint)_shape[k])
                throw new IndexOutOfRangeException($"Indexer: index {index[k]} is out of range for axis {k} of shape {Shapes.Format(_shape)}.");
            at += i * _strides[k];
        }
        return at;
    }

    /// <summary>The elements in logical row-major order, as a new array.</summary>
    public float[] ToArray()
    {
        var result = GC.AllocateUninitializedArray<float>(Size);
        CopyTo(result);
        return result;
    }

    /// <summary>The single element of a one-element array (NumPy's <c>item()</c>).</summary>
    public float Item()
    {
        if (Size != 1)
            throw new InvalidOperationException($"Item: array of shape {Shapes.Format(_shape)} has {Size} elements, expected 1.");
        return _storage[Offset];
    }

    /// <summary>Copies the elements in logical row-major order into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length < Size)
            throw new ArgumentException($"CopyTo: destination has {destination.Length} elements, array {Shapes.Format(_shape)} needs {Size}.", nameof(destination));
        if (IsContiguous)
        {
            ContiguousSpan.CopyTo(destination);
            return;
        }
        int written = 0;
        var runs = Runs.Of(this);
        while (runs.MoveNext())
        {
            var dst = destination.Slice(written, runs.Length);
            int at = runs.Offset(0), stride = runs.InnerStride(0);
            if (stride == 1)
                _storage.AsSpan(at, runs.Length).CopyTo(dst);
            else
                for (int i = 0; i < dst.Length; i++, at += stride)
                    dst[i] = _storage[at];
            written += runs.Length;
        }
    }

    /// <summary>A copy of the elements in a new contiguous buffer.</summary>
    public NDArray Clone() => new(ToArray(), _shape.ToArray(), Shapes.ContiguousStrides(_shape), 0);

    /// <summary>This array when already contiguous (no copy), else a contiguous copy.</summary>
    public NDArray Contiguous() => IsContiguous ? this : Clone();
}
