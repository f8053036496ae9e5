using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Sum node (the sequel's Sum): <c>out[0, :] = Σ_n x[n, :]</c>, i.e. <c>np.sum(x, axis=0, keepdims=True)</c>.</summary>
/// <remarks>x: (N, D). out: (1, D). The backward of a sum is a copy: each x[n, d] moved out[0, d] one for one.</remarks>
public sealed class Sum : ILayer
{
    private int[]? _xShape;

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><c>out = Σ_n x[n, :]</c>, keeping the axis.</summary>
    /// <remarks>x: (N, D). Result: (1, D), new.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 2)
            throw new ArgumentException($"Sum.Forward: expected x (N, D), got {Shapes.Format(x.Shape)}.", nameof(x));
        _xShape = x.Shape;
        return x.Sum(axis: 0, keepDims: true);
    }

    /// <summary><c>dx[n, :] = dout[0, :]</c> for every n: <c>np.repeat(dout, N, axis=0)</c>.</summary>
    /// <remarks>dout: (1, D), never modified. Result: (N, D), new and contiguous.</remarks>
    public NDArray Backward(NDArray dout)
    {
        int[] xShape = Guard.Saved(_xShape, "Sum");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("Sum.Backward", "dout", dout, "out", [1, xShape[1]]);
        return dout.BroadcastTo(xShape).Clone();
    }
}
