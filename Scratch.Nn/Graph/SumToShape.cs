using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>The backward of broadcasting: a gradient of the broadcast shape, summed back to an input's shape.</summary>
internal static class Broadcasting
{
    /// <summary>
    /// <c>Σ</c> of <paramref name="gradient"/> over the axes that broadcasting added or stretched, so the result has <paramref name="shape"/>:
    /// leading axes that <paramref name="shape"/> lacks are summed away, and axes where it has length 1 are summed with keepDims.
    /// </summary>
    /// <remarks>If x (1, D) was broadcast to (N, D), each x[0, d] fed N outputs, so ∂L/∂x[0, d] = Σ_n ∂L/∂out[n, d]. Always a new array.</remarks>
    public static NDArray SumToShape(NDArray gradient, int[] shape)
    {
        NDArray result = gradient;
        int lead = gradient.Rank - shape.Length;
        for (int k = 0; k < lead; k++)
            result = result.Sum(axis: 0);                                   // axes the input never had
        for (int k = 0; k < shape.Length; k++)
            if (shape[k] == 1 && result.Dim(k) != 1)
                result = result.Sum(axis: k, keepDims: true);               // axes stretched from length 1
        return ReferenceEquals(result, gradient) ? gradient.Clone() : result.Reshape(shape);
    }
}
