using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>2-D convolution (cross-correlation, as the book): <c>out[n, f, i, j] = Σ_{c, y, x} W[f, c, y, x]·x_pad[n, c, i·S + y, j·S + x] + b[f]</c>.</summary>
/// <remarks>
/// x: (N, C, H, W). W: (FN, C, FH, FW). b: (FN). out: (N, FN, OH, OW) with OH = (H + 2·pad − FH)/stride + 1 and
/// OW likewise; padding is zeros. The book's im2col idea with the matrix of each image transposed:
/// <c>cols = Unfold(x)</c>, (N, C·FH·FW, OH·OW) (row (c, fy, fx) is what that filter tap sees at every pixel), and
/// with <c>W_col = W.reshape(FN, C·FH·FW)</c> each image is one product <c>out_n = W_col·cols_n</c>, (FN, OH·OW),
/// already in the output's layout. The book computes <c>Im2Col(x)·W_colᵀ</c> and transposes; the numbers are the same.
/// </remarks>
public sealed class Convolution : ILayer
{
    private NDArray? _cols;           // Unfold(x), (N, C·FH·FW, OH·OW), kept for dW; scratch reused while shapes repeat
    private int[] _xShape = [];
    private NDArray? _dWPerImage;     // cols_n·dout_nᵀ, (N, C·FH·FW, FN)
    private NDArray? _dcols;          // W_colᵀ·dout_n, (N, C·FH·FW, OH·OW)

    /// <summary>A convolution with filters <paramref name="W"/> (FN, C, FH, FW) and bias <paramref name="b"/> (FN).</summary>
    public Convolution(NDArray W, NDArray b, int stride = 1, int pad = 0)
    {
        ArgumentNullException.ThrowIfNull(W);
        ArgumentNullException.ThrowIfNull(b);
        Guard.Rank("Convolution", "W", W, 4, "(FN, C, FH, FW)");
        if (b.Rank != 1 || b.Dim(0) != W.Dim(0))
            throw new ArgumentException($"Convolution: b {Shape.Format(b.Shape)} does not match W {Shape.Format(W.Shape)}: expected b ({W.Dim(0)},), one per filter.", nameof(b));
        if (stride <= 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, "Convolution: stride must be positive.");
        if (pad < 0) throw new ArgumentOutOfRangeException(nameof(pad), pad, "Convolution: pad must be ≥ 0.");
        this.W = new Parameter("W", W);
        B = new Parameter("b", b);
        Stride = stride;
        Pad = pad;
    }

    /// <summary>The filters, (FN, C, FH, FW), named "W".</summary>
    public Parameter W { get; }

    /// <summary>The bias, one per filter, (FN), named "b".</summary>
    public Parameter B { get; }

    /// <summary>Step between neighbouring windows, in pixels.</summary>
    public int Stride { get; }

    /// <summary>Zeros added on each side of H and W.</summary>
    public int Pad { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [W, B];

    /// <summary><c>out_n = W_col·cols_n + b</c> for every image n, with <c>cols = Unfold(x)</c>.</summary>
    /// <remarks>x: (N, C, H, W) with C = W's C. Result: (N, FN, OH, OW), new and contiguous.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        int fn = W.Value.Dim(0), c = W.Value.Dim(1), fh = W.Value.Dim(2), fw = W.Value.Dim(3);
        if (x.Rank != 4 || x.Dim(1) != c)
            throw new ArgumentException($"Convolution.Forward: expected x (N, C={c}, H, W), got {Shape.Format(x.Shape)}.", nameof(x));
        if (x.Dim(2) + 2 * Pad < fh || x.Dim(3) + 2 * Pad < fw)
            throw new ArgumentException($"Convolution.Forward: filter ({fh}, {fw}) is larger than x {Shape.Format(x.Shape)} padded by {Pad}.", nameof(x));
        int n = x.Dim(0), oh = (x.Dim(2) + 2 * Pad - fh) / Stride + 1, ow = (x.Dim(3) + 2 * Pad - fw) / Stride + 1;
        _xShape = x.Shape;

        NDArray cols = NDArray.Unfold(x, fh, fw, Stride, Pad,                 // (N, C·FH·FW, OH·OW), reusing the buffer
            into: Guard.Reuse(ref _cols, n, c * fh * fw, oh * ow));
        NDArray output = NDArray.MatMul(W.Value.Reshape(fn, -1), cols);        // W_col·cols_n, (N, FN, OH·OW)
        output.AddInPlace(B.Value.Reshape(fn, 1));                             // + b[f] on every pixel of map f
        return output.Reshape(n, fn, oh, ow);
    }

    /// <summary>
    /// With dout_n as (FN, OH·OW): <c>db = Σ dout</c>, <c>dW = Σ_n (cols_n·dout_nᵀ)ᵀ</c> reshaped to W,
    /// <c>dcols_n = W_colᵀ·dout_n</c> and <c>dx = Fold(dcols)</c>.
    /// </summary>
    /// <remarks>dout: (N, FN, OH, OW), never modified. dW (FN, C, FH, FW) and db (FN) are written into W.Grad and B.Grad. Result: (N, C, H, W), new.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray cols = Guard.Saved(_cols, "Convolution");
        ArgumentNullException.ThrowIfNull(dout);
        int n = _xShape[0], fn = W.Value.Dim(0), fh = W.Value.Dim(2), fw = W.Value.Dim(3);
        int oh = (_xShape[2] + 2 * Pad - fh) / Stride + 1, ow = (_xShape[3] + 2 * Pad - fw) / Stride + 1;
        Guard.SameShape("Convolution.Backward", "dout", dout, "out", [n, fn, oh, ow]);
        int k = cols.Dim(1);

        NDArray doutMaps = dout.Reshape(n, fn, oh * ow);                                  // dout_n, (N, FN, OH·OW)
        doutMaps.Sum(axis: 2).Sum(axis: 0, into: B.Grad);                                 // db = Σ_{n, pixels} dout, (FN)

        NDArray perImage = NDArray.MatMul(cols, doutMaps.Transpose(0, 2, 1),              // cols_n·dout_nᵀ = dW_nᵀ, (N, C·FH·FW, FN)
            into: Guard.Reuse(ref _dWPerImage, n, k, fn));
        W.Grad.CopyFrom(perImage.Sum(axis: 0).T.Reshape(W.Value.Shape));                  // dW = (Σ_n dW_nᵀ)ᵀ, (FN, C, FH, FW)

        NDArray dcols = NDArray.MatMul(W.Value.Reshape(fn, -1).T, doutMaps,               // W_colᵀ·dout_n, (N, C·FH·FW, OH·OW)
            into: Guard.Reuse(ref _dcols, cols.Shape));
        return NDArray.Fold(dcols, _xShape, fh, fw, Stride, Pad);                         // dx, (N, C, H, W)
    }
}
