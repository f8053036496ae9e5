using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Softmax followed by cross-entropy: <c>L = −Σ_n log(softmax(x)[n, t_n] + 1e-7) / N</c>, with gradient <c>(y − t)/N</c>.</summary>
/// <remarks>
/// x: scores (N, C). t: one-hot (N, C), or class indices (N) stored as whole floats. The gradient of the pair is
/// the famous <c>(y − t)/N</c>, simpler than either part's (the book, ch. 5 and appendix A).
/// </remarks>
public sealed class SoftmaxWithLoss : ILossLayer
{
    private NDArray? _t;

    /// <summary>The softmax output of the last Forward, (N, C); null before it.</summary>
    public NDArray? Y { get; private set; }

    /// <summary>The targets of the last Forward; null before it.</summary>
    public NDArray? T => _t;

    /// <summary><c>y = softmax(x)</c>, <c>L = −Σ log(y[n, t_n] + 1e-7)/N</c> (one-hot: <c>−Σ t·log(y + 1e-7)/N</c>).</summary>
    /// <remarks>x: (N, C). t: (N, C) one-hot or (N) indices. Result: the mean loss over the batch.</remarks>
    public float Forward(NDArray x, NDArray t)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        Guard.Rank("SoftmaxWithLoss.Forward", "x", x, 2, "(N, C)");
        CheckTargets("SoftmaxWithLoss.Forward", x, t);
        Y = Functions.Softmax(x);
        _t = t;
        return Functions.CrossEntropy("SoftmaxWithLoss.Forward", Y, t);
    }

    /// <summary><c>dx = dout·(y − t)/N</c>, with t one-hot (class indices: subtract 1 at each <c>[n, t_n]</c>).</summary>
    /// <remarks>Result: (N, C), new.</remarks>
    public NDArray Backward(float dout = 1f)
    {
        NDArray y = Guard.Saved(Y, "SoftmaxWithLoss"), t = _t!;
        int n = y.Dim(0), c = y.Dim(1);
        NDArray dx;
        if (t.Size == y.Size)
            dx = y - t.Reshape(n, c);                                  // y − t
        else
        {
            dx = y.Clone();
            Span<float> d = dx.AsSpan();
            ReadOnlySpan<float> ts = t.Contiguous().AsSpan();
            for (int i = 0; i < n; i++)
                d[i * c + (int)ts[i]] -= 1f;                           // y − onehot(t)
        }
        return dx.MultiplyInPlace(dout / n);                           // ·dout/N
    }

    /// <summary>t must be one-hot like x, or N class indices in [0, C).</summary>
    internal static void CheckTargets(string op, NDArray x, NDArray t)
    {
        int n = x.Dim(0), c = x.Dim(1);
        if (t.Size == x.Size && (t.Rank == 2 && t.Dim(0) == n)) return;
        if (t.Rank == 1 && t.Dim(0) == n)
        {
            ReadOnlySpan<float> ts = t.Contiguous().AsSpan();
            for (int i = 0; i < n; i++) Functions.ClassIndex(op, ts[i], c, i);
            return;
        }
        throw new ArgumentException($"{op}: t {Shape.Format(t.Shape)} does not match x {Shape.Format(x.Shape)}: expected one-hot ({n}, {c}) or class indices ({n}).", nameof(t));
    }
}
