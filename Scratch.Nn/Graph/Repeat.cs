using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Repeat node (the sequel's Repeat): <c>out[n, :] = x[0, :]</c> for n = 0 … N − 1, i.e. <c>np.repeat(x, N, axis=0)</c>.</summary>
/// <remarks>x: (1, D). out: (N, D). The backward of a copy is a sum: every row of dout flowed from the same x.</remarks>
public sealed class Repeat : ILayer
{
    private int[]? _xShape;

    /// <summary>A node copying its one-row input <paramref name="n"/> times.</summary>
    public Repeat(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "Repeat: n must be positive.");
        N = n;
    }

    /// <summary>The number of copies.</summary>
    public int N { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><c>out = np.repeat(x, N, axis=0)</c>.</summary>
    /// <remarks>x: (1, D). Result: (N, D), new and contiguous.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 2 || x.Dim(0) != 1)
            throw new ArgumentException($"Repeat.Forward: expected x (1, D), got {Shapes.Format(x.Shape)}.", nameof(x));
        _xShape = x.Shape;
        return x.BroadcastTo(N, x.Dim(1)).Clone();
    }

    /// <summary><c>dx = Σ_n dout[n, :]</c>, keeping the axis: <c>np.sum(dout, axis=0, keepdims=True)</c>.</summary>
    /// <remarks>dout: (N, D), never modified. Result: (1, D), new.</remarks>
    public NDArray Backward(NDArray dout)
    {
        int[] xShape = Guard.Saved(_xShape, "Repeat");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("Repeat.Backward", "dout", dout, "out", [N, xShape[1]]);
        return dout.Sum(axis: 0, keepDims: true);
    }
}
