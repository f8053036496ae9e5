using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Matrix-product node (the sequel's <c>MatMul</c>): <c>out = x·W</c>, an Affine layer without bias.</summary>
/// <remarks>x: (N, D). W: (D, H). out: (N, H).</remarks>
public sealed class MatMul : ILayer
{
    private NDArray? _x;

    /// <summary>A node over the weights <paramref name="W"/> (D, H).</summary>
    public MatMul(NDArray W)
    {
        ArgumentNullException.ThrowIfNull(W);
        Guard.Rank("MatMul", "W", W, 2, "(D, H)");
        this.W = new Parameter("W", W);
    }

    /// <summary>The weights, (D, H), named "W".</summary>
    public Parameter W { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [W];

    /// <summary><c>out = x·W</c>.</summary>
    /// <remarks>x: (N, D), kept for Backward. Result: (N, H), new.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 2 || x.Dim(1) != W.Value.Dim(0))
            throw new ArgumentException($"MatMul.Forward: x {Shapes.Format(x.Shape)} does not match W {Shapes.Format(W.Value.Shape)}.", nameof(x));
        _x = x;
        return NDArray.MatMul(x, W.Value);
    }

    /// <summary><c>dx = dout·Wᵀ</c>, <c>dW = xᵀ·dout</c>.</summary>
    /// <remarks>dout: (N, H), never modified. dW is written into W.Grad. Result: (N, D), new.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray x = Guard.Saved(_x, "MatMul");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("MatMul.Backward", "dout", dout, "out", [x.Dim(0), W.Value.Dim(1)]);
        NDArray.MatMul(x.T, dout, into: W.Grad);            // dW = xᵀ·dout, (D, H)
        return NDArray.MatMul(dout, W.Value.T);             // dx = dout·Wᵀ, (N, D)
    }
}
