using System.Numerics.Tensors;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Hyperbolic tangent: <c>out = tanh(x)</c>.</summary>
/// <remarks>x: any shape; out: the same shape.</remarks>
public sealed class Tanh : ILayer, IStatelessInference
{
    private NDArray? _out;   // y, Forward's result (all the backward pass needs); valid until the next Forward
    private NDArray? _dx;    // Backward's result; valid until the next Backward

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><c>y = tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))</c>.</summary>
    /// <remarks>x: any shape. Result: x's shape, owned by the layer (kept for Backward: do not modify it before calling Backward).</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = x.Contiguous();
        NDArray y = Buffers.Like(ref _out, x);
        TensorPrimitives.Tanh(Buffers.Span(x), Buffers.Span(y));
        return y;
    }

    /// <summary><c>dx = dout · (1 − y²)</c>, since <c>tanh′ = 1 − tanh²</c>.</summary>
    /// <remarks>dout: out's shape, never modified. Result: x's shape, owned by the layer.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray y = Guard.Saved(_out, "Tanh");
        ArgumentNullException.ThrowIfNull(dout);
        if (!Buffers.SameShape(dout, y))
            throw new ArgumentException($"Tanh.Backward: dout {Shapes.Format(dout.Shape)} does not match out {Shapes.Format(y.Shape)}.", nameof(dout));
        dout = dout.Contiguous();
        NDArray dx = Buffers.Like(ref _dx, y);
        Span<float> d = Buffers.Span(dx);
        TensorPrimitives.Multiply(Buffers.Span(y), Buffers.Span(y), d);   // y²
        TensorPrimitives.Subtract(1f, d, d);                               // 1 − y²
        TensorPrimitives.Multiply(d, Buffers.Span(dout), d);               // dout·(1 − y²)
        return dx;
    }

    /// <inheritdoc/>
    public NDArray Infer(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Tanh();
    }
}
