using Scratch.Optim;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Nn;

/// <summary>Average pooling: <c>out[n, c, i, j] = (1/(poolH·poolW))·Σ_{y, x} x_pad[n, c, i·S + y, j·S + x]</c>.</summary>
/// <remarks>
/// x: (N, C, H, W). out: (N, C, OH, OW), OH = (H + 2·pad − poolH)/stride + 1, OW likewise. The book's
/// <c>Pooling</c> signature and default stride 1 (see <see cref="MaxPooling"/>). Padding counts as zeros and the divisor
/// is always poolH·poolW (PyTorch's <c>count_include_pad=True</c>). The book has no average pooling; this is the same
/// window walk as <see cref="MaxPooling"/> with a mean instead of a max.
/// </remarks>
public sealed class AvgPooling : ILayer, IStatelessInference
{
    // The memory of a training step, each buffer reused while the batch shape repeats:
    private NDArray? _out;        // (N, C, OH, OW), Forward's result; valid until the next Forward
    private NDArray? _dx;         // (N, C, H, W), Backward's result; valid until the next Backward
    private PoolShape? _shape;

    /// <summary>Average pooling over (<paramref name="poolH"/>, <paramref name="poolW"/>) windows moved by <paramref name="stride"/>, with <paramref name="pad"/> zeros around.</summary>
    public AvgPooling(int poolH, int poolW, int stride = 1, int pad = 0)
    {
        PoolingWindow.CheckArguments("AvgPooling", poolH, poolW, stride, pad);
        PoolH = poolH;
        PoolW = poolW;
        Stride = stride;
        Pad = pad;
    }

    /// <summary>Window height.</summary>
    public int PoolH { get; }

    /// <summary>Window width.</summary>
    public int PoolW { get; }

    /// <summary>Step between windows.</summary>
    public int Stride { get; }

    /// <summary>Zeros added on each side of H and W.</summary>
    public int Pad { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><c>out[n, c, i, j] = mean</c> of the window under (i, j), padding included as zeros.</summary>
    /// <remarks>x: (N, C, H, W). Result: (N, C, OH, OW), owned by the layer.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        PoolShape g = PoolingWindow.Of("AvgPooling", x, PoolH, PoolW, Stride, Pad);
        x = x.Contiguous();
        NDArray output = Buffers.For(ref _out, g.N, g.C, g.OH, g.OW);
        Pooling.AvgForward(Buffers.Memory(x), Buffers.Memory(output), g);
        _shape = g;
        return output;
    }

    /// <summary><c>dx[every element of window (i, j)] += dout[n, c, i, j] / (poolH·poolW)</c>.</summary>
    /// <remarks>dout: (N, C, OH, OW), never modified. Overlapping windows add up; padding positions are dropped. Result: (N, C, H, W), owned by the layer.</remarks>
    public NDArray Backward(NDArray dout)
    {
        if (_shape is not PoolShape g)
            throw new InvalidOperationException("AvgPooling.Backward called before AvgPooling.Forward.");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("AvgPooling.Backward", "dout", dout, "out", [g.N, g.C, g.OH, g.OW]);
        dout = dout.Contiguous();
        NDArray dx = Buffers.For(ref _dx, g.N, g.C, g.H, g.W);
        Pooling.AvgBackward(Buffers.Memory(dout), Buffers.Memory(dx), g);
        return dx;
    }

    /// <inheritdoc/>
    public NDArray Infer(NDArray x)
    {
        PoolShape g = PoolingWindow.Of("AvgPooling", x, PoolH, PoolW, Stride, Pad);
        x = x.Contiguous();
        var output = NDArray.Empty(g.N, g.C, g.OH, g.OW);             // every element is written
        Pooling.AvgForward(Buffers.Memory(x), Buffers.Memory(output), g);
        return output;
    }
}
