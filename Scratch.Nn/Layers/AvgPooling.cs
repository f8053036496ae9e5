using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Average pooling: <c>out[n, c, i, j] = (1/(poolH·poolW))·Σ_{y, x} x_pad[n, c, i·S + y, j·S + x]</c>.</summary>
/// <remarks>
/// x: (N, C, H, W). out: (N, C, OH, OW), OH = (H + 2·pad − poolH)/stride + 1, OW likewise. The book's
/// <c>Pooling</c> signature and default stride 1 (see <see cref="MaxPooling"/>). Padding counts as zeros and the divisor
/// is always poolH·poolW (PyTorch's <c>count_include_pad=True</c>). The book has no average pooling; this is the same
/// window walk as <see cref="MaxPooling"/> with a mean instead of a max.
/// </remarks>
public sealed class AvgPooling : ILayer
{
    private PoolingWindow? _window;

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
    /// <remarks>x: (N, C, H, W). Result: (N, C, OH, OW), new.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        PoolingWindow g = PoolingWindow.Of("AvgPooling", x, PoolH, PoolW, Stride, Pad);
        var output = NDArray.Zeros(g.OutShape);
        ReadOnlySpan<float> xs = x.Contiguous().AsSpan();
        Span<float> outs = output.AsSpan();
        float scale = 1f / (PoolH * PoolW);
        int o = 0;
        for (int image = 0; image < g.N * g.C; image++)
        {
            ReadOnlySpan<float> plane = xs.Slice(image * g.H * g.W, g.H * g.W);
            for (int i = 0; i < g.OH; i++)
                for (int j = 0; j < g.OW; j++, o++)
                {
                    var (y0, y1, x0, x1) = Inside(g, i, j);
                    float sum = 0f;
                    for (int y = y0; y < y1; y++)
                        for (int xi = x0; xi < x1; xi++)
                            sum += plane[y * g.W + xi];
                    outs[o] = sum * scale;
                }
        }
        _window = g;
        return output;
    }

    /// <summary><c>dx[every element of window (i, j)] += dout[n, c, i, j] / (poolH·poolW)</c>.</summary>
    /// <remarks>dout: (N, C, OH, OW), never modified. Overlapping windows add up; padding positions are dropped. Result: (N, C, H, W), new.</remarks>
    public NDArray Backward(NDArray dout)
    {
        if (_window is not PoolingWindow g)
            throw new InvalidOperationException("AvgPooling.Backward called before AvgPooling.Forward.");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("AvgPooling.Backward", "dout", dout, "out", g.OutShape);
        var dx = NDArray.Zeros(g.N, g.C, g.H, g.W);
        Span<float> dxs = dx.AsSpan();
        ReadOnlySpan<float> ds = dout.Contiguous().AsSpan();
        float scale = 1f / (PoolH * PoolW);
        int o = 0;
        for (int image = 0; image < g.N * g.C; image++)
        {
            Span<float> plane = dxs.Slice(image * g.H * g.W, g.H * g.W);
            for (int i = 0; i < g.OH; i++)
                for (int j = 0; j < g.OW; j++, o++)
                {
                    var (y0, y1, x0, x1) = Inside(g, i, j);
                    float share = ds[o] * scale;
                    for (int y = y0; y < y1; y++)
                        for (int xi = x0; xi < x1; xi++)
                            plane[y * g.W + xi] += share;
                }
        }
        return dx;
    }

    /// <summary>The part of window (i, j) that lies inside the image: rows [y0, y1), columns [x0, x1).</summary>
    private static (int Y0, int Y1, int X0, int X1) Inside(PoolingWindow g, int i, int j)
    {
        int top = i * g.Stride - g.Pad, left = j * g.Stride - g.Pad;
        return (Math.Max(top, 0), Math.Min(top + g.PoolH, g.H), Math.Max(left, 0), Math.Min(left + g.PoolW, g.W));
    }
}
