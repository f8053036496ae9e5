using Scratch.Optim;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Nn;

/// <summary>Fully connected layer: <c>out = x·W + b</c>.</summary>
/// <remarks>
/// x: (N, D), or any (N, …) seen as (N, D) with D the product of the other axes, e.g. (N, C, H, W) as (N, C·H·W).
/// W: (D, M). b: (M). out: (N, M). dx comes back in x's original shape.
/// </remarks>
public sealed class Affine : ILayer, IStatelessInference, IParameterGradients
{
    // The memory of a training step, each buffer reused while the batch shape repeats:
    private NDArray? _x;      // the input of the last Forward (contiguous), read by Backward for dW
    private NDArray? _out;    // (N, M), Forward's result; valid until the next Forward
    private NDArray? _dx;     // x's shape, Backward's result; valid until the next Backward

    /// <summary>A layer over the given weights (kept, not copied, when contiguous) and bias.</summary>
    public Affine(NDArray W, NDArray b)
    {
        ArgumentNullException.ThrowIfNull(W);
        ArgumentNullException.ThrowIfNull(b);
        Guard.Rank("Affine", "W", W, 2, "(D, M)");
        if (b.Rank != 1 || b.Dim(0) != W.Dim(1))
            throw new ArgumentException($"Affine: b {Shapes.Format(b.Shape)} does not match W {Shapes.Format(W.Shape)}: expected b ({W.Dim(1)},).", nameof(b));
        this.W = new Parameter("W", W);
        B = new Parameter("b", b);
    }

    /// <summary>The weights, (D, M), named "W".</summary>
    public Parameter W { get; }

    /// <summary>The bias, (M), named "b".</summary>
    public Parameter B { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [W, B];

    /// <summary><c>out = x·W + b</c>.</summary>
    /// <remarks>x: (N, D) or (N, …) with D elements per sample. Result: (N, M), owned by the layer.</remarks>
    public NDArray Forward(NDArray x, bool training = false) => Forward(x, training, relu: false);

    /// <summary><c>out = x·W + b</c>, or <c>max(x·W + b, 0)</c> when the network fuses the next ReLU into this store.</summary>
    internal NDArray Forward(NDArray x, bool training, bool relu)
    {
        x = CheckInput(x);
        int n = x.Dim(0), d = W.Value.Dim(0), m = W.Value.Dim(1);
        _x = x;
        NDArray output = Buffers.For(ref _out, n, m);
        Product(x, W.Value, B.Value, output, relu);
        return output;
    }

    /// <summary><c>dx = dout·Wᵀ</c>, <c>dW = xᵀ·dout</c>, <c>db = Σ_N dout</c>.</summary>
    /// <remarks>dout: (N, M), never modified. dW and db are written into <c>W.Grad</c> and <c>B.Grad</c>. Result: x's shape, owned by the layer.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray x = BackwardParametersOf(dout, out NDArray d);
        int n = x.Dim(0), dIn = W.Value.Dim(0), m = W.Value.Dim(1);
        NDArray dx = Buffers.Like(ref _dx, x);
        Gemm.Multiply(n, dIn, m, Buffers.Span(d), m, 1, Buffers.Span(W.Value), 1, m, Buffers.Span(dx), dIn);   // dx = dout·Wᵀ, (N, D)
        return dx;
    }

    /// <inheritdoc/>
    void IParameterGradients.BackwardParameters(NDArray dout) => BackwardParametersOf(dout, out _);

    /// <summary>dW and db for the last Forward; returns the saved x and the contiguous dout.</summary>
    private NDArray BackwardParametersOf(NDArray dout, out NDArray d)
    {
        NDArray x = Guard.Saved(_x, "Affine");
        ArgumentNullException.ThrowIfNull(dout);
        int n = x.Dim(0), dIn = W.Value.Dim(0), m = W.Value.Dim(1);
        Guard.SameShape("Affine.Backward", "dout", dout, "out", [n, m]);
        d = dout.Contiguous();
        Gemm.Multiply(dIn, m, n, Buffers.Span(x), 1, dIn, Buffers.Span(d), m, 1, Buffers.Span(W.Grad), m);   // dW = xᵀ·dout, (D, M)
        Bias.SumRows(Buffers.Span(d), n, m, Buffers.Span(B.Grad));                                             // db = Σ_N dout, (M)
        return x;
    }

    /// <inheritdoc/>
    public NDArray Infer(NDArray x)
    {
        x = CheckInput(x);
        var output = NDArray.Empty(x.Dim(0), W.Value.Dim(1));        // every element is written
        Product(x, W.Value, B.Value, output, relu: false);
        return output;
    }

    /// <summary><c>out = relu?(x·W + b)</c> for a contiguous x of N rows of D.</summary>
    private static void Product(NDArray x, NDArray w, NDArray b, NDArray output, bool relu)
    {
        int n = x.Dim(0), d = w.Dim(0), m = w.Dim(1);
        Gemm.Multiply(n, m, d, Buffers.Span(x), d, 1, Buffers.Span(w), m, 1, Buffers.Span(output), m,
            columnBias: Buffers.Span(b), relu: relu);                                  // relu?(x·W + b), (N, M), bias and ReLU in the store
    }

    /// <summary>x as a contiguous array, after checking it holds N samples of D = W's rows.</summary>
    private NDArray CheckInput(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 2)
            throw new ArgumentException($"Affine.Forward: expected x (N, D) or (N, …), got {Shapes.Format(x.Shape)}.", nameof(x));
        long perSample = 1;
        for (int i = 1; i < x.Rank; i++) perSample *= x.Dim(i);
        if (perSample != W.Value.Dim(0))
        {
            string seen = x.Rank == 2 ? "" : $" seen as ({x.Dim(0)}, {perSample})";
            throw new ArgumentException($"Affine.Forward: x {Shapes.Format(x.Shape)}{seen} does not match W {Shapes.Format(W.Value.Shape)}.", nameof(x));
        }
        return x.Contiguous();
    }
}
