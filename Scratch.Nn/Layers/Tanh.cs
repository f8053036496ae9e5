using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Hyperbolic tangent: <c>out = tanh(x)</c>.</summary>
/// <remarks>x: any shape; out: the same shape.</remarks>
public sealed class Tanh : ILayer
{
    private NDArray? _out;   // y = tanh(x)

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><c>y = tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))</c>.</summary>
    /// <remarks>x: any shape. Result: x's shape, new (kept for Backward: do not modify it before calling Backward).</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        _out = x.Tanh();
        return _out;
    }

    /// <summary><c>dx = dout · (1 − y²)</c>, since <c>tanh′ = 1 − tanh²</c>.</summary>
    /// <remarks>dout: out's shape, never modified. Result: x's shape, new.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray y = Guard.Saved(_out, "Tanh");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("Tanh.Backward", "dout", dout, "out", y.Shape);
        NDArray dx = y.Square();                                // y²
        NDArray.Subtract(NDArray.Scalar(1f), dx, into: dx);     // 1 − y²
        return dx.MultiplyInPlace(dout);                        // dout·(1 − y²)
    }
}
