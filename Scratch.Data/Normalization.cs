using Scratch.Tensors;

namespace Scratch.Data;

/// <summary>Dataset preparation: one-hot labels, normalization, shuffling and the train/validation split.</summary>
public static partial class Preprocessing
{
    /// <summary><c>(x − mean) / std</c>, a new array.</summary>
    public static NDArray Normalize(NDArray x, float mean, float std)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!(std > 0) || !float.IsFinite(std) || !float.IsFinite(mean))
            throw new ArgumentException($"Normalize: std ({std}) must be positive and mean ({mean}) finite.", nameof(std));
        return (x - mean) / std;
    }

    /// <summary><c>(x − mean) / std</c> with NumPy broadcasting, a new array.</summary>
    /// <remarks>x: (N, D); mean, std: (D,) for per-feature statistics (any shapes that broadcast to x's).</remarks>
    public static NDArray Normalize(NDArray x, NDArray mean, NDArray std)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        return (x - mean) / std;
    }

    /// <summary><c>(x − min) / (max − min)</c> over all elements: values scaled to [0, 1], a new array.</summary>
    /// <remarks>A constant array (max = min) maps to zeros. An empty array is returned as an empty copy.</remarks>
    public static NDArray MinMaxScale(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Size == 0)
            return x.Clone();
        float min = x.Min().Item(), max = x.Max().Item();
        return max > min ? (x - min) / (max - min) : NDArray.Zeros(x.Shape);
    }
}
