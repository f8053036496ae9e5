using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Max pooling: <c>out[n, c, i, j] = max_{y &lt; poolH, x &lt; poolW} x_pad[n, c, i·S + y, j·S + x]</c>.</summary>
/// <remarks>
/// x: (N, C, H, W). out: (N, C, OH, OW) with OH = (H + 2·pad − poolH)/stride + 1 and OW likewise.
/// Padding is zeros, as the book's im2col-based <c>Pooling</c>, so a window that overlaps the border sees 0s
/// (with negative inputs the max can be a padding 0; its gradient then goes nowhere). The default stride is 1,
/// as the book's <c>Pooling(pool_h, pool_w, stride=1, pad=0)</c>; its networks pass stride 2. Ties go to the
/// first element in (y, x) order, as <c>np.argmax</c>; a NaN in a window wins, as <c>np.max</c>.
/// Computed by a direct loop over the windows (not im2col): the book's slowest layer, here one pass with no allocation
/// besides the output and the reused argmax table.
/// </remarks>
public sealed class MaxPooling : ILayer
{
    private int[] _argMax = [];        // for each output element: the flat index in x of its max, or −1 for a padding 0
    private PoolingWindow? _window;

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
    /// <remarks>x: (N, C, H, W). Result: (N, C, OH, OW), new.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        PoolingWindow g = PoolingWindow.Of("MaxPooling", x, PoolH, PoolW, Stride, Pad);
        int oh = g.OH, ow = g.OW, plane = g.H * g.W;
        var output = NDArray.Zeros(g.OutShape);
        if (_argMax.Length != output.Size) _argMax = new int[output.Size];
        ReadOnlySpan<float> xs = x.Contiguous().AsSpan();
        Span<float> outs = output.AsSpan();
        Span<int> argMax = _argMax;

        int o = 0;
        for (int image = 0; image < g.N * g.C; image++)                // each (n, c) plane
        {
            int planeStart = image * plane;
            for (int i = 0; i < oh; i++)
            {
                int top = i * g.Stride - g.Pad;
                for (int j = 0; j < ow; j++, o++)
                {
                    int left = j * g.Stride - g.Pad;
                    if (top >= 0 && left >= 0 && top + g.PoolH <= g.H && left + g.PoolW <= g.W)
                    {
                        // The common case: the window lies inside the image, no padding to test for.
                        int start = planeStart + top * g.W + left;
                        float max = xs[start];
                        int maxAt = start;
                        for (int y = 0, row = start; y < g.PoolH; y++, row += g.W)
                            for (int at = row; at < row + g.PoolW; at++)
                            {
                                float v = xs[at];
                                if (v > max || (float.IsNaN(v) && !float.IsNaN(max))) { max = v; maxAt = at; }
                            }
                        outs[o] = max;
                        argMax[o] = maxAt;
                        continue;
                    }
                    float best = 0f;
                    int bestAt = -1;
                    bool first = true;
                    for (int y = top; y < top + g.PoolH; y++)
                    {
                        bool rowInside = (uint)y < (uint)g.H;
                        for (int xi = left; xi < left + g.PoolW; xi++)
                        {
                            bool inside = rowInside && (uint)xi < (uint)g.W;
                            int at = inside ? planeStart + y * g.W + xi : -1;
                            float v = inside ? xs[at] : 0f;               // padding reads as 0, as im2col
                            // np.argmax: the first strict maximum, or the first NaN
                            if (first || v > best || (float.IsNaN(v) && !float.IsNaN(best)))
                            {
                                best = v;
                                bestAt = at;
                                first = false;
                            }
                        }
                    }
                    outs[o] = best;
                    argMax[o] = bestAt;
                }
            }
        }
        _window = g;
        return output;
    }

    /// <summary><c>dx[argmax of window (i, j)] += dout[n, c, i, j]</c>; every other element of x gets 0.</summary>
    /// <remarks>dout: (N, C, OH, OW), never modified. Overlapping windows (stride &lt; pool) add up. Result: (N, C, H, W), new.</remarks>
    public NDArray Backward(NDArray dout)
    {
        if (_window is not PoolingWindow g)
            throw new InvalidOperationException("MaxPooling.Backward called before MaxPooling.Forward.");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("MaxPooling.Backward", "dout", dout, "out", g.OutShape);
        var dx = NDArray.Zeros(g.N, g.C, g.H, g.W);
        Span<float> dxs = dx.AsSpan();
        ReadOnlySpan<float> ds = dout.Contiguous().AsSpan();
        ReadOnlySpan<int> argMax = _argMax;
        for (int o = 0; o < ds.Length; o++)
            if (argMax[o] >= 0) dxs[argMax[o]] += ds[o];
        return dx;
    }
}
