using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Where the (poolH, poolW) windows of a pooling layer fall on an (N, C, H, W) input: OH = (H + 2·pad − poolH)/stride + 1, OW likewise.</summary>
internal readonly record struct PoolingWindow(int N, int C, int H, int W, int PoolH, int PoolW, int Stride, int Pad)
{
    public int OH => (H + 2 * Pad - PoolH) / Stride + 1;
    public int OW => (W + 2 * Pad - PoolW) / Stride + 1;
    public int[] OutShape => [N, C, OH, OW];

    /// <summary>Checks the constructor arguments of a pooling layer.</summary>
    public static void CheckArguments(string layer, int poolH, int poolW, int stride, int pad)
    {
        if (poolH <= 0 || poolW <= 0 || stride <= 0 || pad < 0)
            throw new ArgumentException($"{layer}: pool ({poolH}, {poolW}) and stride {stride} must be positive and pad {pad} ≥ 0.");
    }

    /// <summary>The windows over <paramref name="x"/>, or ArgumentException naming <paramref name="layer"/>.</summary>
    public static PoolingWindow Of(string layer, NDArray x, int poolH, int poolW, int stride, int pad)
    {
        if (x.Rank != 4)
            throw new ArgumentException($"{layer}.Forward: expected x (N, C, H, W), got {Shape.Format(x.Shape)}.", nameof(x));
        if (x.Dim(2) + 2 * pad < poolH || x.Dim(3) + 2 * pad < poolW)
            throw new ArgumentException($"{layer}.Forward: pool ({poolH}, {poolW}) is larger than x {Shape.Format(x.Shape)} padded by {pad}.", nameof(x));
        return new PoolingWindow(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), poolH, poolW, stride, pad);
    }
}
