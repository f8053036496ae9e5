using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Flattens each sample: <c>out[n] = x[n]</c> read row-major as one vector.</summary>
/// <remarks>x: (N, …). out: (N, D) with D the product of the other axes, a view of x when its layout allows.</remarks>
public sealed class Flatten : ILayer
{
    private int[]? _xShape;

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><c>out = x.reshape(N, −1)</c>.</summary>
    /// <remarks>x: (N, …). Result: (N, D), a view of x when possible.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 1)
            throw new ArgumentException($"Flatten.Forward: expected x (N, …), got {Shape.Format(x.Shape)}.", nameof(x));
        _xShape = x.Shape;
        return x.Reshape(x.Dim(0), -1);
    }

    /// <summary><c>dx = dout.reshape(x.shape)</c>.</summary>
    /// <remarks>dout: (N, D), never modified. Result: x's shape, a view of dout when possible.</remarks>
    public NDArray Backward(NDArray dout)
    {
        int[] xShape = Guard.Saved(_xShape, "Flatten");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("Flatten.Backward", "dout", dout, "out", [xShape[0], Shape.Size(xShape) / Math.Max(xShape[0], 1)]);
        return dout.Reshape(xShape);
    }
}
