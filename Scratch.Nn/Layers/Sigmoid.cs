using System.Numerics.Tensors;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Logistic sigmoid: <c>out = σ(x) = 1 / (1 + e^(−x))</c>.</summary>
/// <remarks>x: any shape; out: the same shape.</remarks>
public sealed class Sigmoid : ILayer, IStatelessInference
{
    private NDArray? _out;   // y, Forward's result (all the backward pass needs); valid until the next Forward
    private NDArray? _dx;    // Backward's result; valid until the next Backward

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><c>y = 1 / (1 + e^(−x))</c>.</summary>
    /// <remarks>x: any shape. Result: x's shape, owned by the layer (kept for Backward: do not modify it before calling Backward).</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = x.Contiguous();
        NDArray y = Buffers.Like(ref _out, x);
        TensorPrimitives.Sigmoid(Buffers.Span(x), Buffers.Span(y));
        return y;
    }

    /// <summary><c>dx = dout · y · (1 − y)</c>, since <c>σ′ = σ(1 − σ)</c>.</summary>
    /// <remarks>dout: out's shape, never modified. Result: x's shape, owned by the layer.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray y = Guard.Saved(_out, "Sigmoid");
        ArgumentNullException.ThrowIfNull(dout);
        if (!Buffers.SameShape(dout, y))
            throw new ArgumentException($"Sigmoid.Backward: dout {Shapes.Format(dout.Shape)} does not match out {Shapes.Format(y.Shape)}.", nameof(dout));
        dout = dout.Contiguous();
        NDArray dx = Buffers.Like(ref _dx, y);
        Span<float> d = Buffers.Span(dx);
        TensorPrimitives.Subtract(1f, Buffers.Span(y), d);      // 1 − y
        TensorPrimitives.Multiply(d, Buffers.Span(y), d);       // y·(1 − y)
        TensorPrimitives.Multiply(d, Buffers.Span(dout), d);    // dout·y·(1 − y)
        return dx;
    }

    /// <inheritdoc/>
    public NDArray Infer(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Sigmoid();
    }
}
