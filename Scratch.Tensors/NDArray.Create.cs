namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary>A contiguous array holding a copy of <paramref name="data"/> in row-major order.</summary>
    /// <remarks>With no shape, the result is 1-D of length <c>data.Length</c>; one length may be −1 (inferred).</remarks>
    public static NDArray FromArray(float[] data, params ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        int[] resolved = shape.Length == 0 ? [data.Length] : ResolveShape("FromArray", shape, data.Length);
        if (Shapes.Size(resolved) != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} elements do not fill shape {Shapes.Format(shape)} ({Shapes.Size(resolved)} elements).", nameof(shape));
        return new NDArray((float[])data.Clone(), resolved, Shapes.ContiguousStrides(resolved), 0);
    }

    /// <summary>A rank-0 array holding <paramref name="value"/>.</summary>
    public static NDArray Scalar(float value) => new([value], [], [], 0);

    /// <summary>An array of zeros.</summary>
    public static NDArray Zeros(params ReadOnlySpan<int> shape) => new(Shapes.Validate("Zeros", shape));

    /// <summary>An array of ones.</summary>
    public static NDArray Ones(params ReadOnlySpan<int> shape) => Full(shape, 1f);

    /// <summary>An array of <paramref name="shape"/> with every element equal to <paramref name="value"/>.</summary>
    public static NDArray Full(ReadOnlySpan<int> shape, float value)
    {
        var result = new NDArray(Shapes.Validate("Full", shape));
        result._storage.AsSpan().Fill(value);
        return result;
    }

    /// <summary>A zeroed array of the same shape as <paramref name="like"/>.</summary>
    public static NDArray ZerosLike(NDArray like) => new(like._shape.ToArray());

    /// <summary>An array of ones of the same shape as <paramref name="like"/>.</summary>
    public static NDArray OnesLike(NDArray like) => FullLike(like, 1f);

    /// <summary>An array of the same shape as <paramref name="like"/> with every element equal to <paramref name="value"/>.</summary>
    public static NDArray FullLike(NDArray like, float value)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Full(like._shape, value);
    }

    /// <summary>A contiguous array whose elements are not set (NumPy's <c>empty</c>): for results a kernel overwrites entirely.</summary>
    /// <remarks>The values are whatever the allocator returns (often zeros, not always); never read before writing.</remarks>
    public static NDArray Empty(params ReadOnlySpan<int> shape) => Uninitialized(Shapes.Validate("Empty", shape));

    /// <summary>An uninitialised array of the same shape as <paramref name="like"/> (NumPy's <c>empty_like</c>).</summary>
    public static NDArray EmptyLike(NDArray like)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Uninitialized(like._shape.ToArray());
    }

    /// <summary>The <paramref name="n"/> × <paramref name="m"/> matrix with ones on diagonal <paramref name="k"/> and zeros elsewhere (NumPy's <c>eye</c>).</summary>
    /// <remarks>m defaults to n; k &gt; 0 is above the main diagonal, k &lt; 0 below. Shape (n, m).</remarks>
    public static NDArray Eye(int n, int? m = null, int k = 0)
    {
        int cols = m ?? n;
        var result = new NDArray(Shapes.Validate("Eye", [n, cols]));
        for (int i = Math.Max(0, -k); i < n && i + k < cols; i++)
            result._storage[i * cols + i + k] = 1f;
        return result;
    }

    /// <summary><paramref name="num"/> evenly spaced values from <paramref name="start"/> to <paramref name="stop"/> (NumPy's <c>linspace</c>).</summary>
    /// <remarks>With <paramref name="endpoint"/> the last value is exactly <paramref name="stop"/> and the step is (stop − start) / (num − 1); without it, (stop − start) / num. Computed in double, then cast. Shape (num,).</remarks>
    public static NDArray Linspace(float start, float stop, int num = 50, bool endpoint = true)
    {
        if (num < 0)
            throw new ArgumentException($"Linspace: num must be ≥ 0, got {num}.", nameof(num));
        if (!float.IsFinite(start) || !float.IsFinite(stop))
            throw new ArgumentException($"Linspace: start ({start}) and stop ({stop}) must be finite.", nameof(start));
        var data = new float[num];
        int div = endpoint ? num - 1 : num;
        double step = div > 0 ? ((double)stop - start) / div : 0;
        for (int i = 0; i < num; i++)
            data[i] = (float)(start + i * step);
        if (endpoint && num > 1) data[^1] = stop;
        return new NDArray(data, [num], Shapes.ContiguousStrides([num]), 0);
    }

    /// <summary>Wraps the caller's <paramref name="data"/> as a contiguous array of <paramref name="shape"/>, without copying: writes to either are seen by both.</summary>
    /// <remarks>With no shape, the result is 1-D of length <c>data.Length</c>; one length may be −1. The shape must use every element (as <see cref="FromArray"/>).</remarks>
    public static NDArray Wrap(float[] data, params ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        int[] resolved = shape.Length == 0 ? [data.Length] : ResolveShape("Wrap", shape, data.Length);
        if (Shapes.Size(resolved) != data.Length)
            throw new ArgumentException($"Wrap: {data.Length} elements do not fill shape {Shapes.Format(shape)} ({Shapes.Size(resolved)} elements).", nameof(shape));
        return new NDArray(data, resolved, Shapes.ContiguousStrides(resolved), 0);
    }

    /// <summary>For experts: wraps <paramref name="storage"/> as the view <c>(shape, strides, offset)</c> without copying (NumPy's <c>as_strided</c>).</summary>
    /// <remarks>
    /// Element <c>[i0, i1, …]</c> is <c>storage[offset + Σ ik·strides[k]]</c>; strides count elements and may be 0
    /// (read-only repetition) or negative. Every element the view can reach must lie inside <paramref name="storage"/>.
    /// Views whose elements overlap (other than by stride 0) are allowed but, as in NumPy, writing them is undefined.
    /// </remarks>
    public static NDArray Wrap(float[] storage, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, int offset = 0)
    {
        ArgumentNullException.ThrowIfNull(storage);
        int[] dims = Shapes.Validate("Wrap", shape);
        if (strides.Length != dims.Length)
            throw new ArgumentException($"Wrap: {strides.Length} strides {Shapes.Format(strides)} for shape {Shapes.Format(dims)}; expected one per axis.", nameof(strides));
        var normalized = strides.ToArray();
        long low = offset, high = offset;
        for (int k = 0; k < dims.Length; k++)
        {
            if (dims[k] == 1) normalized[k] = 0;   // a length-1 axis never steps
            long reach = (long)(dims[k] - 1) * normalized[k];
            if (reach < 0) low += reach; else high += reach;
        }
        if (Shapes.Size(dims) > 0 && (low < 0 || high >= storage.Length))
            throw new ArgumentException(
                $"Wrap: shape {Shapes.Format(dims)} with strides {Shapes.Format(strides)} and offset {offset} reaches storage indices [{low}, {high}], outside a float[{storage.Length}].", nameof(strides));
        return new NDArray(storage, dims, normalized, offset);
    }

    /// <summary><c>[0, 1, …, stop − 1]</c>.</summary>
    public static NDArray Arange(int stop) => Arange(0f, stop, 1f);

    /// <summary><c>[start, start + step, …]</c> up to but excluding <paramref name="stop"/>, as NumPy's <c>arange</c>.</summary>
    public static NDArray Arange(float start, float stop, float step = 1f)
    {
        if (step == 0 || !float.IsFinite(step) || !float.IsFinite(start) || !float.IsFinite(stop))
            throw new ArgumentException($"Arange: start ({start}), stop ({stop}) and step ({step}) must be finite, with step ≠ 0.", nameof(step));
        int n = Math.Max(0, (int)Math.Ceiling(((double)stop - start) / step));
        var data = new float[n];
        for (int i = 0; i < n; i++)
            data[i] = (float)(start + (double)i * step);
        return new NDArray(data, [n], Shapes.ContiguousStrides([n]), 0);
    }

    /// <summary>Samples of N(<paramref name="mean"/>, <paramref name="std"/>²): NumPy's <c>np.random.seed(seed); randn(*shape) * std + mean</c> in double, then cast to float32.</summary>
    public static NDArray RandomNormal(ReadOnlySpan<int> shape, double mean = 0, double std = 1, uint seed = 0) =>
        RandomNormal(shape, mean, std, new RandomState(seed));

    /// <summary>Samples of N(<paramref name="mean"/>, <paramref name="std"/>²) drawn from <paramref name="random"/> (which advances).</summary>
    public static NDArray RandomNormal(ReadOnlySpan<int> shape, double mean, double std, RandomState random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(std >= 0) || !double.IsFinite(std) || !double.IsFinite(mean))
            throw new ArgumentException($"RandomNormal: std ({std}) must be finite and ≥ 0, mean ({mean}) finite.", nameof(std));
        var result = new NDArray(Shapes.Validate("RandomNormal", shape));
        random.FillNormal(result._storage, mean, std);
        return result;
    }

    /// <summary>Samples of U[<paramref name="low"/>, <paramref name="high"/>): NumPy's <c>np.random.seed(seed); uniform(low, high, shape)</c>, cast to float32.</summary>
    public static NDArray RandomUniform(ReadOnlySpan<int> shape, double low = 0, double high = 1, uint seed = 0) =>
        RandomUniform(shape, low, high, new RandomState(seed));

    /// <summary>Samples of U[<paramref name="low"/>, <paramref name="high"/>) drawn from <paramref name="random"/> (which advances).</summary>
    public static NDArray RandomUniform(ReadOnlySpan<int> shape, double low, double high, RandomState random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(low <= high) || !double.IsFinite(low) || !double.IsFinite(high))
            throw new ArgumentException($"RandomUniform: need finite low ≤ high, got [{low}, {high}).", nameof(low));
        var result = new NDArray(Shapes.Validate("RandomUniform", shape));
        random.FillUniform(result._storage, low, high);
        return result;
    }

    /// <summary>Replaces one −1 in <paramref name="shape"/> with the length that makes <paramref name="size"/> elements.</summary>
    private static int[] ResolveShape(string op, ReadOnlySpan<int> shape, int size)
    {
        int inferred = -1;
        long known = 1;
        for (int k = 0; k < shape.Length; k++)
        {
            if (shape[k] == -1)
            {
                if (inferred >= 0)
                    throw new ArgumentException($"{op}: only one dimension can be -1, got {Shapes.Format(shape)}.", nameof(shape));
                inferred = k;
            }
            else if (shape[k] < 0)
                throw new ArgumentException($"{op}: dimensions must be ≥ 0 or -1, got {Shapes.Format(shape)}.", nameof(shape));
            else
                known *= shape[k];
        }
        var result = shape.ToArray();
        if (inferred >= 0)
        {
            if (known == 0 || size % known != 0)
                throw new ArgumentException($"{op}: cannot infer -1 in {Shapes.Format(shape)} for {size} elements.", nameof(shape));
            result[inferred] = (int)(size / known);
        }
        return result;
    }
}
