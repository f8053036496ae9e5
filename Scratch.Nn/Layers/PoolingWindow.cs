using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Nn;

/// <summary>The argument checks of the pooling layers; the window geometry itself is <see cref="PoolShape"/>.</summary>
internal static class PoolingWindow
{
    /// <summary>Checks the constructor arguments of a pooling layer.</summary>
    public static void CheckArguments(string layer, int poolH, int poolW, int stride, int pad)
    {
        if (poolH <= 0 || poolW <= 0 || stride <= 0 || pad < 0)
            throw new ArgumentException($"{layer}: pool ({poolH}, {poolW}) and stride {stride} must be positive and pad {pad} ≥ 0.");
    }

    /// <summary>The windows over <paramref name="x"/>, or ArgumentException naming <paramref name="layer"/>.</summary>
    public static PoolShape Of(string layer, NDArray x, int poolH, int poolW, int stride, int pad)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4)
            throw new ArgumentException($"{layer}.Forward: expected x (N, C, H, W), got {Shapes.Format(x.Shape)}.", nameof(x));
        return Of(layer, x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), poolH, poolW, stride, pad);
    }

    /// <summary>The windows over an (n, c, h, w) input, or ArgumentException naming <paramref name="layer"/>.</summary>
    public static PoolShape Of(string layer, int n, int c, int h, int w, int poolH, int poolW, int stride, int pad)
    {
        if (h + 2 * pad < poolH || w + 2 * pad < poolW)
            throw new ArgumentException($"{layer}.Forward: pool ({poolH}, {poolW}) is larger than x {Shapes.Format([n, c, h, w])} padded by {pad}.", "x");
        return new PoolShape(n, c, h, w, poolH, poolW, stride, pad);
    }
}
