using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Rectified linear unit: <c>out = max(x, 0)</c>.</summary>
/// <remarks>
/// x: any shape; out: the same shape. The gradient at exactly x = 0 is taken as 0, as the book's <c>mask = (x &lt;= 0)</c>.
/// Backward needs no separate mask: <c>out &gt; 0</c> exactly where <c>x &gt; 0</c>, so the output is the mask.
/// </remarks>
public sealed class Relu : ILayer, IStatelessInference
{
    private NDArray? _out;   // max(x, 0), Forward's result; valid until the next Forward
    private NDArray? _y;     // the output Backward reads as its mask: _out, or the input itself when it came rectified
    private NDArray? _dx;    // Backward's result; valid until the next Backward

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><c>out = max(x, 0)</c>.</summary>
    /// <remarks>x: any shape. Result: x's shape, owned by the layer.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = x.Contiguous();
        NDArray output = Buffers.Like(ref _out, x);
        Tensors.Kernels.Relu.Forward(Buffers.Memory(x), Buffers.Memory(output));
        return _y = output;
    }

    /// <summary>Forward for an input that is already <c>max(·, 0)</c> (the previous layer fused the ReLU into its store): out = x, no pass over the data.</summary>
    internal NDArray ForwardRectified(NDArray x) => _y = x;

    /// <summary>Records that a fused pass (Convolution → Relu → MaxPooling) ran this ReLU without forming its output: Backward now throws until the next Forward.</summary>
    internal void ForwardFusedAway() => _y = null;

    /// <summary><c>dx = dout · (out &gt; 0)</c>.</summary>
    /// <remarks>dout: out's shape, never modified. Result: x's shape, owned by the layer.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray y = Guard.Saved(_y, "Relu");
        ArgumentNullException.ThrowIfNull(dout);
        if (!Buffers.SameShape(dout, y))
            throw new ArgumentException($"Relu.Backward: dout {Shapes.Format(dout.Shape)} does not match out {Shapes.Format(y.Shape)}.", nameof(dout));
        dout = dout.Contiguous();
        NDArray dx = Buffers.Like(ref _dx, y);
        Tensors.Kernels.Relu.Backward(Buffers.Memory(y), Buffers.Memory(dout), Buffers.Memory(dx));
        return dx;
    }

    /// <inheritdoc/>
    public NDArray Infer(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Relu();
    }
}
