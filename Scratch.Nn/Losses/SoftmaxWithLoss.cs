using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Nn;

/// <summary>Softmax followed by cross-entropy: <c>L = −Σ_n log(softmax(x)[n, t_n] + 1e-7) / N</c>, with gradient <c>(y − t)/N</c>.</summary>
/// <remarks>
/// x: scores (N, C). t: one-hot (N, C), or class indices (N) stored as whole floats. The gradient of the pair is
/// the famous <c>(y − t)/N</c>, simpler than either part's (the book, ch. 5 and appendix A).
/// </remarks>
public sealed class SoftmaxWithLoss : ILossLayer
{
    private NDArray? _t;      // the targets of the last Forward (contiguous)
    private NDArray? _y;      // softmax(x), (N, C); valid until the next Forward
    private NDArray? _dx;     // (y − t)/N, (N, C), Backward's result; valid until the next Backward

    /// <summary>The softmax output of the last Forward, (N, C), owned by the layer; null before it.</summary>
    public NDArray? Y => _y;

    /// <summary>The targets of the last Forward; null before it.</summary>
    public NDArray? T => _t;

    /// <summary><c>y = softmax(x)</c>, <c>L = −Σ log(y[n, t_n] + 1e-7)/N</c> (one-hot: <c>−Σ t·log(y + 1e-7)/N</c>).</summary>
    /// <remarks>x: (N, C) with N ≥ 1. t: (N, C) one-hot or (N) indices. Result: the mean loss over the batch.</remarks>
    public float Forward(NDArray x, NDArray t)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        Guard.Rank("SoftmaxWithLoss.Forward", "x", x, 2, "(N, C)");
        if (x.Dim(0) == 0)
            throw new ArgumentException($"SoftmaxWithLoss.Forward: x {Shapes.Format(x.Shape)} is an empty batch; the mean loss needs at least one sample.", nameof(x));
        CheckTargets("SoftmaxWithLoss.Forward", x, t);
        int n = x.Dim(0), c = x.Dim(1);
        x = x.Contiguous();
        _t = t = t.Contiguous();
        NDArray y = Buffers.For(ref _y, n, c);
        return SoftmaxCrossEntropy.Forward(Buffers.Span(x), Buffers.Span(t), Buffers.Span(y), n, c, Functions.LogDelta);
    }

    /// <summary><c>dx = dout·(y − t)/N</c>, with t one-hot (class indices: subtract 1 at each <c>[n, t_n]</c>).</summary>
    /// <remarks>Result: (N, C), owned by the layer.</remarks>
    public NDArray Backward(float dout = 1f)
    {
        NDArray y = Guard.Saved(_y, "SoftmaxWithLoss"), t = _t!;
        int n = y.Dim(0), c = y.Dim(1);
        NDArray dx = Buffers.For(ref _dx, n, c);
        SoftmaxCrossEntropy.Backward(Buffers.Span(y), Buffers.Span(t), Buffers.Span(dx), n, c, dout / n);   // (y − t)·dout/N
        return dx;
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
        throw new ArgumentException($"{op}: t {Shapes.Format(t.Shape)} does not match x {Shapes.Format(x.Shape)}: expected one-hot ({n}, {c}) or class indices ({n}).", nameof(t));
    }
}
