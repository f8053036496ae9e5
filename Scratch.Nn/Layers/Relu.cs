using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Rectified linear unit: <c>out = max(x, 0)</c>.</summary>
/// <remarks>x: any shape; out: the same shape. The gradient at exactly x = 0 is taken as 0, as the book's <c>mask = (x &lt;= 0)</c>.</remarks>
public sealed class Relu : ILayer
{
    private NDArray? _mask;   // 1 where x > 0, else 0: the book's mask, inverted

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><c>out = max(x, 0)</c>.</summary>
    /// <remarks>x: any shape. Result: x's shape, new.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        NDArray mask = Guard.Reuse(ref _mask, x.Shape);
        NDArray.Greater(x, NDArray.Scalar(0f), into: mask);       // mask = (x > 0)
        return x.Relu();
    }

    /// <summary><c>dx = dout · (x &gt; 0)</c>.</summary>
    /// <remarks>dout: out's shape, never modified. Result: x's shape, new.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray mask = Guard.Saved(_mask, "Relu");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("Relu.Backward", "dout", dout, "out", mask.Shape);
        return dout * mask;
    }
}
