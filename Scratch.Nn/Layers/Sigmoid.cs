using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Logistic sigmoid: <c>out = σ(x) = 1 / (1 + e^(−x))</c>.</summary>
/// <remarks>x: any shape; out: the same shape.</remarks>
public sealed class Sigmoid : ILayer
{
    private NDArray? _out;   // y = σ(x), all the backward pass needs

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><c>y = 1 / (1 + e^(−x))</c>.</summary>
    /// <remarks>x: any shape. Result: x's shape, new (kept for Backward: do not modify it before calling Backward).</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        _out = x.Sigmoid();
        return _out;
    }

    /// <summary><c>dx = dout · y · (1 − y)</c>, since <c>σ′ = σ(1 − σ)</c>.</summary>
    /// <remarks>dout: out's shape, never modified. Result: x's shape, new.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray y = Guard.Saved(_out, "Sigmoid");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("Sigmoid.Backward", "dout", dout, "out", y.Shape);
        NDArray dx = 1f - y;                 // 1 − y
        dx.MultiplyInPlace(y);               // y·(1 − y)
        return dx.MultiplyInPlace(dout);     // dout·y·(1 − y)
    }
}
