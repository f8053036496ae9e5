using Scratch.Optim;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Nn;

/// <summary>2-D convolution (cross-correlation, as the book): <c>out[n, f, i, j] = Σ_{c, y, x} W[f, c, y, x]·x_pad[n, c, i·S + y, j·S + x] + b[f]</c>.</summary>
/// <remarks>
/// x: (N, C, H, W). W: (FN, C, FH, FW). b: (FN). out: (N, FN, OH, OW) with OH = (H + 2·pad − FH)/stride + 1 and
/// OW likewise; padding is zeros. With K = C·FH·FW taps and P = OH·OW pixels, the book's im2col idea is done for
/// chunks of whole images (<see cref="ConvolutionAlgorithm.BatchGemm"/>, <see cref="ConvolutionGemm"/>): <c>cols</c>
/// (K, n·P) holds what each filter tap sees at every pixel of the chunk's n images, so with <c>W_col = W.reshape(FN, K)</c>
/// the forward pass is the product <c>W_col·cols</c> (FN, n·P), each image's maps stored into (N, FN, OH, OW) with the bias
/// added on the way. A chunk's cols fits in cache, so Backward rebuilds it from x instead of keeping the whole batch's.
/// <see cref="ConvolutionAlgorithm.Im2ColReference"/> runs the book's code instead; the numbers agree to rounding.
/// </remarks>
public sealed class Convolution : ILayer, IStatelessInference, IParameterGradients
{
    // The memory of a training step (BatchGemm), each buffer reused while the batch shape repeats:
    private NDArray? _x;            // the input of the last Forward, (N, C, H, W), contiguous: Backward unfolds it again
    private NDArray? _out;          // (N, FN, OH, OW), Forward's result; valid until the next Forward
    private float[]? _partials;     // per chunk of images: its dWᵀ (K, FN) and db (FN), added in chunk order
    private NDArray? _dx;           // (N, C, H, W), Backward's result; valid until the next Backward
    private NDArray? _col;          // Im2ColReference: im2col(x), (N·P, K)
    private ConvShape _shape;

    /// <summary>A convolution with filters <paramref name="W"/> (FN, C, FH, FW) and bias <paramref name="b"/> (FN).</summary>
    public Convolution(NDArray W, NDArray b, int stride = 1, int pad = 0)
    {
        ArgumentNullException.ThrowIfNull(W);
        ArgumentNullException.ThrowIfNull(b);
        Guard.Rank("Convolution", "W", W, 4, "(FN, C, FH, FW)");
        if (b.Rank != 1 || b.Dim(0) != W.Dim(0))
            throw new ArgumentException($"Convolution: b {Shapes.Format(b.Shape)} does not match W {Shapes.Format(W.Shape)}: expected b ({W.Dim(0)},), one per filter.", nameof(b));
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

    /// <summary>The batch-wide product (default) or the book's im2col code; switch between a Forward and its Backward at your peril.</summary>
    public ConvolutionAlgorithm Algorithm { get; set; } = ConvolutionAlgorithm.BatchGemm;

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [W, B];

    /// <summary><c>out = W_col·cols + b</c> with <c>cols = Unfold(x)</c>, one product per chunk of images.</summary>
    /// <remarks>x: (N, C, H, W) with C = W's C; kept (not copied) and read again by Backward. Result: (N, FN, OH, OW), contiguous, owned by the layer.</remarks>
    public NDArray Forward(NDArray x, bool training = false) => Forward(x, training, relu: false);

    /// <summary>The forward pass, with <c>max(·, 0)</c> applied in the same store when the network fuses the next ReLU.</summary>
    internal NDArray Forward(NDArray x, bool training, bool relu)
    {
        ConvShape g = CheckInput(x);
        _x = x = x.Contiguous();
        _shape = g;
        if (Algorithm == ConvolutionAlgorithm.Im2ColReference)
        {
            (NDArray reference, _col) = ForwardReference(x, g, relu);
            return _out = reference;
        }
        NDArray output = Buffers.For(ref _out, g.N, W.Value.Dim(0), g.OH, g.OW);
        ConvolutionGemm.Forward(Buffers.Memory(x), Buffers.Memory(W.Value), Buffers.Memory(B.Value), Buffers.Memory(output), g, relu);
        return output;
    }

    /// <summary>
    /// This layer, a <see cref="Relu"/> and <paramref name="pool"/> as one forward pass: <c>pool(relu(W_col·cols + b))</c>,
    /// each chunk of images pooled while its output is in cache. This layer's own output is not formed; the pooling
    /// records its output and argmax as its Forward would. Used by <see cref="Sequential.Gradient"/>.
    /// </summary>
    /// <remarks>Needs <see cref="ConvolutionAlgorithm.BatchGemm"/> and a pooling without padding.</remarks>
    internal NDArray ForwardReluMaxPooling(NDArray x, MaxPooling pool)
    {
        ConvShape g = CheckInput(x);
        _x = x = x.Contiguous();
        _shape = g;
        (NDArray pooled, int[] argMax, PoolShape windows) = pool.FusedForward(g.N, W.Value.Dim(0), g.OH, g.OW);
        ConvolutionGemm.ForwardReluMaxPool(Buffers.Memory(x), Buffers.Memory(W.Value), Buffers.Memory(B.Value), g, windows, Buffers.Memory(pooled), argMax);
        return pooled;
    }

    /// <summary>
    /// The backward pass of <see cref="ForwardReluMaxPooling"/>: dW and db (and dx when <paramref name="inputGradient"/>)
    /// from the gradient of the pooled output, the convolution's dout rebuilt one chunk at a time in cache.
    /// </summary>
    /// <remarks>With <paramref name="inputFromRelu"/> dx also goes through the backward pass of the ReLU that produced x (see <see cref="BackwardThroughInputRelu"/>).</remarks>
    internal NDArray? BackwardThroughReluMaxPooling(NDArray dPooled, MaxPooling pool, bool inputGradient, bool inputFromRelu)
    {
        NDArray x = Guard.Saved(_x, "Convolution");
        (NDArray dout, NDArray pooled, int[] argMax, PoolShape windows) = pool.FusedBackward(dPooled);
        ConvShape g = _shape;
        int fn = W.Value.Dim(0);
        Memory<float> partials = Buffers.AtLeast(ref _partials, ConvolutionGemm.PartialsLength(g, fn));
        Memory<float> dx = inputGradient ? Buffers.Memory(Buffers.For(ref _dx, g.N, g.C, g.H, g.W)) : Memory<float>.Empty;
        ConvolutionGemm.BackwardReluMaxPool(Buffers.Memory(x), Buffers.Memory(W.Value), Buffers.Memory(dout), Buffers.Memory(pooled), argMax, windows,
            Buffers.Span(W.Grad), Buffers.Span(B.Grad), dx, partials, g, inputFromRelu);
        return inputGradient ? _dx : null;
    }

    /// <summary>
    /// This layer's backward pass and that of the <see cref="Relu"/> whose output was this layer's input, in one:
    /// <c>dx = Fold(W_colᵀ·dout) · (x &gt; 0)</c>, the mask applied to each chunk of images while it is in cache. Used by
    /// <see cref="Sequential.Gradient"/>; needs <see cref="ConvolutionAlgorithm.BatchGemm"/>.
    /// </summary>
    internal NDArray BackwardThroughInputRelu(NDArray dout) => Backward(dout, inputGradient: true, inputFromRelu: true)!;

    /// <summary>
    /// With dout in (FN, n·P) order for each chunk of images: <c>db = Σ dout</c>, <c>dW = Σ_chunk dout·colsᵀ</c> reshaped
    /// to W, <c>dcols = W_colᵀ·dout</c> and <c>dx = Fold(dcols)</c> (on AVX-512, for stride 1, square filters, at most 32
    /// input channels and maps wide enough, dx is the same sum formed as dout convolved with the rotated filters).
    /// </summary>
    /// <remarks>dout: (N, FN, OH, OW), never modified. dW (FN, C, FH, FW) and db (FN) are written into W.Grad and B.Grad. Result: (N, C, H, W), owned by the layer.</remarks>
    public NDArray Backward(NDArray dout) => Backward(dout, inputGradient: true, inputFromRelu: false)!;

    /// <inheritdoc/>
    void IParameterGradients.BackwardParameters(NDArray dout) => Backward(dout, inputGradient: false, inputFromRelu: false);

    private NDArray? Backward(NDArray dout, bool inputGradient, bool inputFromRelu)
    {
        NDArray x = Guard.Saved(_x, "Convolution");
        ArgumentNullException.ThrowIfNull(dout);
        ConvShape g = _shape;
        int fn = W.Value.Dim(0);
        Guard.SameShape("Convolution.Backward", "dout", dout, "out", [g.N, fn, g.OH, g.OW]);
        dout = dout.Contiguous();
        if (Algorithm == ConvolutionAlgorithm.Im2ColReference)
            return _dx = inputFromRelu ? throw new InvalidOperationException("Convolution: the ReLU's backward pass is fused only into BatchGemm.") : BackwardReference(dout, g, x.Shape);

        Memory<float> partials = Buffers.AtLeast(ref _partials, ConvolutionGemm.PartialsLength(g, fn));
        Memory<float> dx = inputGradient ? Buffers.Memory(Buffers.For(ref _dx, g.N, g.C, g.H, g.W)) : Memory<float>.Empty;
        ConvolutionGemm.Backward(Buffers.Memory(x), Buffers.Memory(W.Value), Buffers.Memory(dout),
            Buffers.Span(W.Grad), Buffers.Span(B.Grad), dx, partials, g, inputFromRelu);
        return inputGradient ? _dx : null;
    }

    /// <inheritdoc/>
    public NDArray Infer(NDArray x)
    {
        ConvShape g = CheckInput(x);
        x = x.Contiguous();
        if (Algorithm == ConvolutionAlgorithm.Im2ColReference)
            return ForwardReference(x, g, relu: false).Out;
        var output = NDArray.Empty(g.N, W.Value.Dim(0), g.OH, g.OW);  // every element is written
        ConvolutionGemm.Forward(Buffers.Memory(x), Buffers.Memory(W.Value), Buffers.Memory(B.Value), Buffers.Memory(output), g, relu: false);
        return output;
    }

    /// <summary>The book's forward: <c>col = im2col(x)</c>, <c>out = col·W_colᵀ + b</c>, reshaped to (N, OH, OW, FN) and transposed to (N, FN, OH, OW).</summary>
    private (NDArray Out, NDArray Col) ForwardReference(NDArray x, ConvShape g, bool relu)
    {
        int fn = W.Value.Dim(0);
        NDArray col = NDArray.Im2Col(x, g.FH, g.FW, Stride, Pad);                  // (N·OH·OW, C·FH·FW)
        NDArray colW = W.Value.Reshape(fn, -1).T;                                   // (C·FH·FW, FN)
        NDArray output = NDArray.MatMul(col, colW).AddInPlace(B.Value);             // (N·OH·OW, FN)
        output = output.Reshape(g.N, g.OH, g.OW, fn).Transpose(0, 3, 1, 2).Clone();
        return (relu ? output.Relu(into: output) : output, col);
    }

    /// <summary>The book's backward: <c>dout</c> as (N·OH·OW, FN), <c>db = Σ dout</c>, <c>dW = (colᵀ·dout)ᵀ</c>, <c>dx = col2im(dout·W_col)</c>.</summary>
    private NDArray BackwardReference(NDArray dout, ConvShape g, int[] xShape)
    {
        NDArray col = Guard.Saved(_col, "Convolution");
        int fn = W.Value.Dim(0);
        NDArray d = dout.Transpose(0, 2, 3, 1).Reshape(-1, fn);                    // (N·OH·OW, FN)
        B.Grad.CopyFrom(d.Sum(axis: 0));                                            // db
        W.Grad.CopyFrom(NDArray.MatMul(col.T, d).T.Reshape(W.Value.Shape));        // dW = (colᵀ·dout)ᵀ
        NDArray dcol = NDArray.MatMul(d, W.Value.Reshape(fn, -1));                 // (N·OH·OW, C·FH·FW)
        return NDArray.Col2Im(dcol, xShape, g.FH, g.FW, Stride, Pad);
    }

    /// <summary>The geometry of x under this layer's filters, or ArgumentException.</summary>
    private ConvShape CheckInput(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int c = W.Value.Dim(1), fh = W.Value.Dim(2), fw = W.Value.Dim(3);
        if (x.Rank != 4 || x.Dim(1) != c)
            throw new ArgumentException($"Convolution.Forward: expected x (N, C={c}, H, W), got {Shapes.Format(x.Shape)}.", nameof(x));
        if (x.Dim(2) + 2 * Pad < fh || x.Dim(3) + 2 * Pad < fw)
            throw new ArgumentException($"Convolution.Forward: filter ({fh}, {fw}) is larger than x {Shapes.Format(x.Shape)} padded by {Pad}.", nameof(x));
        return new ConvShape(x.Dim(0), c, x.Dim(2), x.Dim(3), fh, fw, Stride, Pad);
    }
}
