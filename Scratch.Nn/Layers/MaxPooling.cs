using CommunityToolkit.HighPerformance.Buffers;
using Scratch.Optim;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Nn;

/// <summary>Max pooling: <c>out[n, c, i, j] = max_{y &lt; poolH, x &lt; poolW} x_pad[n, c, i·S + y, j·S + x]</c>.</summary>
/// <remarks>
/// x: (N, C, H, W). out: (N, C, OH, OW) with OH = (H + 2·pad − poolH)/stride + 1 and OW likewise.
/// Padding is zeros, as the book's im2col-based <c>Pooling</c>, so a window that overlaps the border sees 0s
/// (with negative inputs the max can be a padding 0; its gradient then goes nowhere). The default stride is 1,
/// as the book's <c>Pooling(pool_h, pool_w, stride=1, pad=0)</c>; its networks pass stride 2. Ties go to the
/// first element in (y, x) order, as <c>np.argmax</c>; a NaN in a window wins, as <c>np.max</c>.
/// Computed by a direct walk over the windows (not im2col) that records where each max was in the same pass
/// (<see cref="Pooling.MaxForward(ReadOnlyMemory{float}, Memory{float}, Memory{int}, PoolShape)"/>).
/// </remarks>
public sealed class MaxPooling : ILayer, IStatelessInference
{
    // The memory of a training step, each buffer reused while the batch shape repeats:
    private int[]? _argMax;       // (N, C, OH, OW): the flat index in x of each max, or −1 for a padding 0
    private NDArray? _out;        // (N, C, OH, OW), Forward's result; valid until the next Forward
    private NDArray? _dx;         // (N, C, H, W), Backward's result; valid until the next Backward
    private NDArray? _doutMasked; // (N, C, OH, OW): dout where out > 0, for BackwardThroughRelu
    private PoolShape? _shape;

    /// <summary>Max pooling over (<paramref name="poolH"/>, <paramref name="poolW"/>) windows moved by <paramref name="stride"/>, with <paramref name="pad"/> zeros around.</summary>
    public MaxPooling(int poolH, int poolW, int stride = 1, int pad = 0)
    {
        PoolingWindow.CheckArguments("MaxPooling", poolH, poolW, stride, pad);
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

    /// <summary><c>out[n, c, i, j] = max</c> of the window under (i, j), remembering where the max was.</summary>
    /// <remarks>x: (N, C, H, W). Result: (N, C, OH, OW), owned by the layer.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        PoolShape g = PoolingWindow.Of("MaxPooling", x, PoolH, PoolW, Stride, Pad);
        x = x.Contiguous();
        NDArray output = Buffers.For(ref _out, g.N, g.C, g.OH, g.OW);
        int[] argMax = Buffers.Exactly(ref _argMax, output.Size);
        Pooling.MaxForward(Buffers.Memory(x), Buffers.Memory(output), argMax, g);
        _shape = g;
        return output;
    }

    /// <summary><c>dx[argmax of window (i, j)] += dout[n, c, i, j]</c>; every other element of x gets 0.</summary>
    /// <remarks>dout: (N, C, OH, OW), never modified. Overlapping windows (stride &lt; pool) add up. Result: (N, C, H, W), owned by the layer.</remarks>
    public NDArray Backward(NDArray dout) => Backward(dout, throughRelu: false);

    /// <summary>
    /// The backward pass of this pooling and of a <see cref="Relu"/> that fed it, in one: <c>dx = MaxPooling.Backward(dout · (out &gt; 0))</c>,
    /// the ReLU's mask taken on the pooled output instead of on the 4× larger input.
    /// </summary>
    /// <remarks>
    /// Exact, not an approximation: every max sits at its argmax, so <c>out[o] = relu_out[argmax[o]]</c> and the ReLU's
    /// <c>relu_out &gt; 0</c> keeps or drops the whole sum that reaches an input element, in the same order. Used by
    /// <see cref="Sequential"/> for Relu → MaxPooling.
    /// </remarks>
    internal NDArray BackwardThroughRelu(NDArray dout) => Backward(dout, throughRelu: true);

    /// <summary>
    /// The output and argmax buffers, and the windows, for an (n, c, h, w) input whose pooling a fused pass
    /// (<see cref="Convolution"/> → <see cref="Relu"/> → this) computes in place of <see cref="Forward"/>; the layer's state is as after Forward.
    /// </summary>
    internal (NDArray Output, int[] ArgMax, PoolShape Shape) FusedForward(int n, int c, int h, int w)
    {
        PoolShape g = PoolingWindow.Of("MaxPooling", n, c, h, w, PoolH, PoolW, Stride, Pad);
        NDArray output = Buffers.For(ref _out, g.N, g.C, g.OH, g.OW);
        _shape = g;
        return (output, Buffers.Exactly(ref _argMax, output.Size), g);
    }

    /// <summary>What the last forward pass left for a fused backward pass, once <paramref name="dout"/> is checked against it: dout (contiguous), the output, the argmax and the windows.</summary>
    internal (NDArray Dout, NDArray Output, int[] ArgMax, PoolShape Shape) FusedBackward(NDArray dout)
    {
        (PoolShape g, NDArray output, int[] argMax) = Saved(dout);
        return (dout.Contiguous(), output, argMax, g);
    }

    /// <summary>The windows, output and argmax of the last forward pass, once dout is checked against them.</summary>
    private (PoolShape Shape, NDArray Output, int[] ArgMax) Saved(NDArray dout)
    {
        if (_shape is not PoolShape g || _out is not NDArray output || _argMax is not int[] argMax)
            throw new InvalidOperationException("MaxPooling.Backward called before MaxPooling.Forward.");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("MaxPooling.Backward", "dout", dout, "out", [g.N, g.C, g.OH, g.OW]);
        return (g, output, argMax);
    }

    private NDArray Backward(NDArray dout, bool throughRelu)
    {
        (PoolShape g, NDArray output, int[] argMax) = Saved(dout);
        dout = dout.Contiguous();
        if (throughRelu)
        {
            NDArray masked = Buffers.For(ref _doutMasked, g.N, g.C, g.OH, g.OW);
            Tensors.Kernels.Relu.Backward(Buffers.Memory(output), Buffers.Memory(dout), Buffers.Memory(masked));   // dout · (out > 0)
            dout = masked;
        }
        NDArray dx = Buffers.For(ref _dx, g.N, g.C, g.H, g.W);
        Pooling.MaxBackward(Buffers.Memory(dout), argMax, Buffers.Memory(dx), g);
        return dx;
    }

    /// <inheritdoc/>
    public NDArray Infer(NDArray x)
    {
        PoolShape g = PoolingWindow.Of("MaxPooling", x, PoolH, PoolW, Stride, Pad);
        x = x.Contiguous();
        var output = NDArray.Empty(g.N, g.C, g.OH, g.OW);             // every element is written
        using MemoryOwner<int> argMax = MemoryOwner<int>.Allocate(output.Size);   // pooled scratch, private to this call
        Pooling.MaxForward(Buffers.Memory(x), Buffers.Memory(output), argMax.Memory, g);
        return output;
    }
}
