using Scratch.Tensors;

namespace Scratch.Data;

public static partial class Preprocessing
{
    /// <summary><c>y[i, labels[i]] = 1</c>, all else 0: class indices to one-hot rows.</summary>
    /// <remarks>
    /// labels: (N,) whole numbers in [0, <paramref name="classes"/>); result: (N, classes).
    /// <c>OneHot([2, 0], 3)</c> = <c>[[0, 0, 1], [1, 0, 0]]</c>.
    /// </remarks>
    public static NDArray OneHot(NDArray labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (labels.Rank != 1)
            throw new ArgumentException($"OneHot: expected labels (N,), got {Shapes.Format(labels.Shape)}.", nameof(labels));
        float[] values = labels.ToArray();
        var result = NDArray.Zeros(values.Length, classes);
        Span<float> y = result.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            float c = values[i];
            if (!(c >= 0 && c < classes) || c != MathF.Floor(c))
                throw new ArgumentException($"OneHot: label {i} is {c}, expected a whole number in [0, {classes}).", nameof(labels));
            y[i * classes + (int)c] = 1f;
        }
        return result;
    }
}
