using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>2-D convolution (cross-correlation, as the book): <c>out[n, f, i, j] = Σ_{c, y, x} W[f, c, y, x]·x_pad[n, c, i·S + y, j·S + x] + b[f]</c>.</summary>
/// <remarks>
/// x: (N, C, H, W). W: (FN, C, FH, FW). b: (FN). out: (N, FN, OH, OW) with OH = (H + 2·pad − FH)/stride + 1 and
/// OW likewise; padding is zeros. Computed with the book's im2col: every window becomes a row of
/// <c>col = Im2Col(x)</c>, (N·OH·OW, C·FH·FW), and with <c>W_col = W.reshape(FN, C·FH·FW)</c> the convolution is a
/// matrix product. The book takes <c>col·W_colᵀ</c>, (N·OH·OW, FN), and transposes it to (N, FN, OH, OW); here each
/// image n takes <c>W_col·col_nᵀ</c>, (FN, OH·OW), which is already that layout, so no transposition is needed
/// forward or backward (the products of the images run in parallel).
/// </remarks>
public sealed class Convolution : ILayer
{
    private NDArray? _col;            // Im2Col(x), (N·OH·OW, C·FH·FW), kept for dW; scratch reused while shapes repeat
    private int[] _xShape = [];
    private NDArray? _dWPerImage;     // dout_n·col_n, (N, FN, C·FH·FW)
    private NDArray? _dcol;           // dout_nᵀ·W_col, (N·OH·OW, C·FH·FW)

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

    /// <summary><c>out_n = W_col·col_nᵀ + b</c> for every image n, with <c>col = Im2Col(x)</c>.</summary>
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

        NDArray col = NDArray.Im2Col(x, fh, fw, Stride, Pad,                  // (N·OH·OW, C·FH·FW), reusing the buffer
            into: Guard.Reuse(ref _col, n * oh * ow, c * fh * fw));
        NDArray colT = col.Reshape(n, oh * ow, -1).Transpose(0, 2, 1);        // col_nᵀ, (N, C·FH·FW, OH·OW), a view
        NDArray output = NDArray.MatMul(W.Value.Reshape(fn, -1), colT);        // W_col·col_nᵀ, (N, FN, OH·OW)
        output.AddInPlace(B.Value.Reshape(fn, 1));                             // + b[f] on every pixel of map f
        return output.Reshape(n, fn, oh, ow);
    }

    /// <summary>
    /// With dout_n as (FN, OH·OW): <c>db = Σ dout</c>, <c>dW = Σ_n dout_n·col_n</c> reshaped to W,
    /// <c>dcol_n = dout_nᵀ·W_col</c> and <c>dx = Col2Im(dcol)</c>.
    /// </summary>
    /// <remarks>dout: (N, FN, OH, OW), never modified. dW (FN, C, FH, FW) and db (FN) are written into W.Grad and B.Grad. Result: (N, C, H, W), new.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray col = Guard.Saved(_col, "Convolution");
        ArgumentNullException.ThrowIfNull(dout);
        int n = _xShape[0], fn = W.Value.Dim(0), fh = W.Value.Dim(2), fw = W.Value.Dim(3);
        int oh = (_xShape[2] + 2 * Pad - fh) / Stride + 1, ow = (_xShape[3] + 2 * Pad - fw) / Stride + 1;
        Guard.SameShape("Convolution.Backward", "dout", dout, "out", [n, fn, oh, ow]);
        int k = col.Dim(1);

        NDArray doutMaps = dout.Reshape(n, fn, oh * ow);                                   // dout_n, (N, FN, OH·OW)
        doutMaps.Sum(axis: 2).Sum(axis: 0, into: B.Grad);                                  // db = Σ_{n, pixels} dout, (FN)

        NDArray cols = col.Reshape(n, oh * ow, k);                                         // col_n, (N, OH·OW, C·FH·FW)
        NDArray perImage = NDArray.MatMul(doutMaps, cols, into: Guard.Reuse(ref _dWPerImage, n, fn, k));
        if (W.Grad.TryReshapeView([fn, k], out NDArray? dW))
            perImage.Sum(axis: 0, into: dW);                                               // dW = Σ_n dout_n·col_n, in W.Grad
        else
            W.Grad.CopyFrom(perImage.Sum(axis: 0).Reshape(W.Value.Shape));

        NDArray dcol = Guard.Reuse(ref _dcol, col.Shape);
        NDArray.MatMul(doutMaps.Transpose(0, 2, 1), W.Value.Reshape(fn, -1),             // dcol_n = dout_nᵀ·W_col, (N, OH·OW, C·FH·FW)
            into: dcol.Reshape(n, oh * ow, k));
        return NDArray.Col2Im(dcol, _xShape, fh, fw, Stride, Pad);                        // dx, (N, C, H, W)
    }
}
