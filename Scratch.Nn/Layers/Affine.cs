using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Fully connected layer: <c>out = x·W + b</c>.</summary>
/// <remarks>
/// x: (N, D), or any (N, …) seen as (N, D) with D the product of the other axes, e.g. (N, C, H, W) as (N, C·H·W).
/// W: (D, M). b: (M). out: (N, M). dx comes back in x's original shape.
/// </remarks>
public sealed class Affine : ILayer
{
    private NDArray? _x;          // saved by Forward for Backward, (N, D)
    private int[] _xShape = [];

    /// <summary>A layer over the given weights (kept, not copied, when contiguous) and bias.</summary>
    public Affine(NDArray W, NDArray b)
    {
        ArgumentNullException.ThrowIfNull(W);
        ArgumentNullException.ThrowIfNull(b);
        Guard.Rank("Affine", "W", W, 2, "(D, M)");
        if (b.Rank != 1 || b.Dim(0) != W.Dim(1))
            throw new ArgumentException($"Affine: b {Shape.Format(b.Shape)} does not match W {Shape.Format(W.Shape)}: expected b ({W.Dim(1)},).", nameof(b));
        this.W = new Parameter("W", W);
        B = new Parameter("b", b);
    }

    /// <summary>The weights, (D, M), named "W".</summary>
    public Parameter W { get; }

    /// <summary>The bias, (M), named "b".</summary>
    public Parameter B { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [W, B];

    /// <summary><c>out = x·W + b</c>.</summary>
    /// <remarks>x: (N, D) or (N, …) with D elements per sample. Result: (N, M), new.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 2)
            throw new ArgumentException($"Affine.Forward: expected x (N, D) or (N, …), got {Shape.Format(x.Shape)}.", nameof(x));
        NDArray x2 = x.Reshape(x.Dim(0), -1);                    // a view unless x's layout forbids it
        if (x2.Dim(1) != W.Value.Dim(0))
        {
            string seen = x.Rank == 2 ? "" : $" seen as {Shape.Format(x2.Shape)}";
            throw new ArgumentException($"Affine.Forward: x {Shape.Format(x.Shape)}{seen} does not match W {Shape.Format(W.Value.Shape)}.", nameof(x));
        }
        _xShape = x.Shape;
        _x = x2;
        NDArray output = NDArray.MatMul(x2, W.Value);              // (N, M)
        return output.AddInPlace(B.Value);                         // + b, broadcast over the rows
    }

    /// <summary><c>dx = dout·Wᵀ</c>, <c>dW = xᵀ·dout</c>, <c>db = Σ_N dout</c>.</summary>
    /// <remarks>dout: (N, M), never modified. dW and db are written into <c>W.Grad</c> and <c>B.Grad</c>. Result: x's shape, new.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray x = Guard.Saved(_x, "Affine");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("Affine.Backward", "dout", dout, "out", [x.Dim(0), W.Value.Dim(1)]);
        NDArray.MatMul(x.T, dout, into: W.Grad);                  // dW = xᵀ·dout, (D, M), no allocation
        dout.Sum(axis: 0, into: B.Grad);                           // db = Σ_N dout, (M)
        return NDArray.MatMul(dout, W.Value.T).Reshape(_xShape);   // dx = dout·Wᵀ, (N, D) → x's shape
    }
}
