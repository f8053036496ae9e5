using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Sigmoid followed by binary cross-entropy: <c>y = σ(x)</c>, <c>L = −Σ [t·log(y + 1e-7) + (1 − t)·log(1 − y + 1e-7)] / N</c>, gradient <c>(y − t)/N</c>.</summary>
/// <remarks>
/// x: scores (N) or (N, …); t: the same shape, labels in {0, 1} (probabilities in [0, 1] also work). N is x's first axis.
/// For 0/1 labels this is the sequel's <c>SigmoidWithLoss</c>, the cross-entropy of the two columns [1 − y, y].
/// </remarks>
public sealed class SigmoidWithLoss : ILossLayer
{
    private NDArray? _t;

    /// <summary>The sigmoid output of the last Forward; null before it.</summary>
    public NDArray? Y { get; private set; }

    /// <summary><c>y = σ(x)</c>, <c>L = −Σ [t·log(y + 1e-7) + (1 − t)·log(1 − y + 1e-7)] / N</c>.</summary>
    /// <remarks>x, t: the same shape. Result: the mean loss over the batch; terms summed in double.</remarks>
    public float Forward(NDArray x, NDArray t)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        Guard.SameShape("SigmoidWithLoss.Forward", "t", t, "x", x.Shape);
        if (x.Rank == 0)
            throw new ArgumentException($"SigmoidWithLoss.Forward: expected x (N) or (N, …), got {Shapes.Format(x.Shape)}.", nameof(x));
        NDArray y = Y = x.Sigmoid();
        _t = t;
        ReadOnlySpan<float> ys = y.AsSpan(), ts = t.Contiguous().AsSpan();
        double sum = 0;
        for (int i = 0; i < ys.Length; i++)
            sum += ts[i] * Math.Log(ys[i] + Functions.LogDelta) + (1.0 - ts[i]) * Math.Log(1f - ys[i] + Functions.LogDelta);
        return (float)(-sum / x.Dim(0));
    }

    /// <summary><c>dx = dout·(y − t)/N</c>.</summary>
    /// <remarks>Result: x's shape, new.</remarks>
    public NDArray Backward(float dout = 1f)
    {
        NDArray y = Guard.Saved(Y, "SigmoidWithLoss");
        return (y - _t!).MultiplyInPlace(dout / y.Dim(0));
    }
}
