using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Squared-error loss averaged over the batch: <c>L = 0.5·Σ (x − t)² / N</c>, gradient <c>(x − t)/N</c>.</summary>
/// <remarks>
/// x, t: the same shape, (N, …), or (D) as a batch of one. The sum runs over every element and is divided by the batch
/// size N only (not by the element count): the book's <c>mean_squared_error</c> (<see cref="Functions.MeanSquaredError"/>,
/// which is NOT divided by N) made a per-batch mean like every other loss layer here, so the gradient scale does not
/// depend on the batch size, as PyTorch's losses. PyTorch's <c>MSELoss</c> differs twice: no 0.5, and a mean over all elements.
/// </remarks>
public sealed class MeanSquaredError : ILossLayer
{
    private NDArray? _x, _t;

    /// <summary><c>L = 0.5·Σ (x − t)² / N</c>.</summary>
    /// <remarks>x, t: the same shape; N = x's first axis (1 for a 1-D x). Result: the mean loss over the batch.</remarks>
    public float Forward(NDArray x, NDArray t)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        Guard.SameShape("MeanSquaredError.Forward", "t", t, "x", x.Shape);
        if (x.Rank == 0)
            throw new ArgumentException($"MeanSquaredError.Forward: expected x (N, …), got {Shapes.Format(x.Shape)}.", nameof(x));
        _x = x;
        _t = t;
        return (float)(0.5 * Functions.SumOfSquaredDifferences(x, t) / BatchSize(x));
    }

    /// <summary><c>dx = dout·(x − t)/N</c>.</summary>
    /// <remarks>Result: x's shape, new.</remarks>
    public NDArray Backward(float dout = 1f)
    {
        NDArray x = Guard.Saved(_x, "MeanSquaredError");
        return (x - _t!).MultiplyInPlace(dout / BatchSize(x));
    }

    private static int BatchSize(NDArray x) => x.Rank == 1 ? 1 : x.Dim(0);
}
