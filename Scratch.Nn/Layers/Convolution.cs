using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>2-D convolution (cross-correlation, as the book): <c>out[n, f, i, j] = Σ_{c, y, x} W[f, c, y, x]·x_pad[n, c, i·S + y, j·S + x] + b[f]</c>.</summary>
/// <remarks>
/// x: (N, C, H, W). W: (FN, C, FH, FW). b: (FN). out: (N, FN, OH, OW) with OH = (H + 2·pad − FH)/stride + 1 and
/// OW likewise; padding is zeros. Computed as the book does: every window becomes a row of
/// <c>col = Im2Col(x)</c>, (N·OH·OW, C·FH·FW), and the convolution is one matrix product <c>col·W_colᵀ</c>
/// with <c>W_col = W.reshape(FN, C·FH·FW)</c>.
/// </remarks>
public sealed class Convolution : ILayer
{
    private NDArray? _col;            // Im2Col(x), (N·OH·OW, C·FH·FW), kept for dW
    private int[] _xShape = [];
    private NDArray? _outRows;        // col·W_colᵀ + b, (N·OH·OW, FN): scratch reused while shapes repeat
    private NDArray? _doutRows;       // dout as (N·OH·OW, FN)
    private NDArray? _dcol;           // dout·W_col, (N·OH·OW, C·FH·FW)

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

    /// <summary><c>out = (Im2Col(x)·W_colᵀ + b)</c> reshaped (N, OH, OW, FN) and transposed to (N, FN, OH, OW).</summary>
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

        NDArray col = NDArray.Im2Col(x, fh, fw, Stride, Pad,               // (N·OH·OW, C·FH·FW), reusing the buffer
            into: Guard.Reuse(ref _col, n * oh * ow, c * fh * fw));
        NDArray wCol = W.Value.Reshape(fn, -1);                            // (FN, C·FH·FW), a view
        NDArray rows = Guard.Reuse(ref _outRows, n * oh * ow, fn);
        NDArray.MatMul(col, wCol.T, into: rows).AddInPlace(B.Value);       // col·W_colᵀ + b, (N·OH·OW, FN)
        return rows.Reshape(n, oh, ow, fn).Transpose(0, 3, 1, 2).Clone(); // (N, FN, OH, OW), contiguous
    }

    /// <summary>With dout as rows (N·OH·OW, FN): <c>db = Σ_rows dout</c>, <c>dW = (doutᵀ·col)</c> reshaped to W, <c>dx = Col2Im(dout·W_col)</c>.</summary>
    /// <remarks>
    /// dout: (N, FN, OH, OW), never modified. dW (FN, C, FH, FW) and db (FN) are written into W.Grad and B.Grad;
    /// doutᵀ·col is the book's <c>(colᵀ·dout)ᵀ</c>, computed directly in W's layout. Result: (N, C, H, W), new.
    /// </remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray col = Guard.Saved(_col, "Convolution");
        ArgumentNullException.ThrowIfNull(dout);
        int n = _xShape[0], fn = W.Value.Dim(0), fh = W.Value.Dim(2), fw = W.Value.Dim(3);
        int oh = (_xShape[2] + 2 * Pad - fh) / Stride + 1, ow = (_xShape[3] + 2 * Pad - fw) / Stride + 1;
        Guard.SameShape("Convolution.Backward", "dout", dout, "out", [n, fn, oh, ow]);

        NDArray doutRows = Guard.Reuse(ref _doutRows, n * oh * ow, fn);
        doutRows.Reshape(n, oh, ow, fn).CopyFrom(dout.Transpose(0, 2, 3, 1));   // dout → (N, OH, OW, FN) → (N·OH·OW, FN)
        doutRows.Sum(axis: 0, into: B.Grad);                                       // db = Σ dout, (FN)

        if (W.Grad.TryReshapeView([fn, col.Dim(1)], out NDArray? dW))
            NDArray.MatMul(doutRows.T, col, into: dW);                             // dW = doutᵀ·col, (FN, C·FH·FW), in W.Grad
        else
            W.Grad.CopyFrom(NDArray.MatMul(doutRows.T, col).Reshape(W.Value.Shape));

        NDArray dcol = Guard.Reuse(ref _dcol, col.Shape);
        NDArray.MatMul(doutRows, W.Value.Reshape(fn, -1), into: dcol);            // dcol = dout·W_col, (N·OH·OW, C·FH·FW)
        return NDArray.Col2Im(dcol, _xShape, fh, fw, Stride, Pad);                 // dx, (N, C, H, W)
    }
}
