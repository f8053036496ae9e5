namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary>A contiguous array holding a copy of <paramref name="data"/> in row-major order.</summary>
    /// <remarks>With no shape, the result is 1-D of length <c>data.Length</c>; one length may be −1 (inferred).</remarks>
    public static NDArray FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        int[] resolved = shape.Length == 0 ? [data.Length] : ResolveShape("FromArray", shape, data.Length);
        if (Tensors.Shape.Size(resolved) != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} elements do not fill shape {Tensors.Shape.Format(shape)} ({Tensors.Shape.Size(resolved)} elements).", nameof(shape));
        return new NDArray((float[])data.Clone(), resolved, Tensors.Shape.ContiguousStrides(resolved), 0);
    }

    /// <summary>A rank-0 array holding <paramref name="value"/>.</summary>
    public static NDArray Scalar(float value) => new([value], [], [], 0);

    /// <summary>An array of zeros.</summary>
    public static NDArray Zeros(params int[] shape) => new(Tensors.Shape.Validate("Zeros", shape));

    /// <summary>An array of ones.</summary>
    public static NDArray Ones(params int[] shape) => Full(shape, 1f);

    /// <summary>An array of <paramref name="shape"/> with every element equal to <paramref name="value"/>.</summary>
    public static NDArray Full(int[] shape, float value)
    {
        var result = new NDArray(Tensors.Shape.Validate("Full", shape));
        result._storage.AsSpan().Fill(value);
        return result;
    }

    /// <summary>A zeroed array of the same shape as <paramref name="like"/>.</summary>
    public static NDArray ZerosLike(NDArray like) => new(like._shape.ToArray());

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
        return new NDArray(data, [n], Tensors.Shape.ContiguousStrides([n]), 0);
    }

    /// <summary>Samples of N(<paramref name="mean"/>, <paramref name="std"/>²): NumPy's <c>np.random.seed(seed); randn(*shape) * std + mean</c> in double, then cast to float32.</summary>
    public static NDArray RandomNormal(int[] shape, double mean = 0, double std = 1, uint seed = 0) =>
        RandomNormal(shape, mean, std, new RandomState(seed));

    /// <summary>Samples of N(<paramref name="mean"/>, <paramref name="std"/>²) drawn from <paramref name="random"/> (which advances).</summary>
    public static NDArray RandomNormal(int[] shape, double mean, double std, RandomState random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(std >= 0) || !double.IsFinite(std) || !double.IsFinite(mean))
            throw new ArgumentException($"RandomNormal: std ({std}) must be finite and ≥ 0, mean ({mean}) finite.", nameof(std));
        var result = new NDArray(Tensors.Shape.Validate("RandomNormal", shape));
        random.FillNormal(result._storage, mean, std);
        return result;
    }

    /// <summary>Samples of U[<paramref name="low"/>, <paramref name="high"/>): NumPy's <c>np.random.seed(seed); uniform(low, high, shape)</c>, cast to float32.</summary>
    public static NDArray RandomUniform(int[] shape, double low = 0, double high = 1, uint seed = 0) =>
        RandomUniform(shape, low, high, new RandomState(seed));

    /// <summary>Samples of U[<paramref name="low"/>, <paramref name="high"/>) drawn from <paramref name="random"/> (which advances).</summary>
    public static NDArray RandomUniform(int[] shape, double low, double high, RandomState random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(low <= high) || !double.IsFinite(low) || !double.IsFinite(high))
            throw new ArgumentException($"RandomUniform: need finite low ≤ high, got [{low}, {high}).", nameof(low));
        var result = new NDArray(Tensors.Shape.Validate("RandomUniform", shape));
        random.FillUniform(result._storage, low, high);
        return result;
    }

    /// <summary>Replaces one −1 in <paramref name="shape"/> with the length that makes <paramref name="size"/> elements.</summary>
    private static int[] ResolveShape(string op, int[] shape, int size)
    {
        int inferred = -1;
        long known = 1;
        for (int k = 0; k < shape.Length; k++)
        {
            if (shape[k] == -1)
            {
                if (inferred >= 0)
                    throw new ArgumentException($"{op}: only one dimension can be -1, got {Tensors.Shape.Format(shape)}.", nameof(shape));
                inferred = k;
            }
            else if (shape[k] < 0)
                throw new ArgumentException($"{op}: dimensions must be ≥ 0 or -1, got {Tensors.Shape.Format(shape)}.", nameof(shape));
            else
                known *= shape[k];
        }
        var result = shape.ToArray();
        if (inferred >= 0)
        {
            if (known == 0 || size % known != 0)
                throw new ArgumentException($"{op}: cannot infer -1 in {Tensors.Shape.Format(shape)} for {size} elements.", nameof(shape));
            result[inferred] = (int)(size / known);
        }
        return result;
    }
}
