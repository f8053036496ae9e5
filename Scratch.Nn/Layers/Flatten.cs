using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Flattens each sample: <c>out[n] = x[n]</c> read row-major as one vector.</summary>
/// <remarks>x: (N, …). out: (N, D) with D the product of the other axes, a view of x when its layout allows.</remarks>
public sealed class Flatten : ILayer, IStatelessInference
{
    private NDArray? _x;                     // the input of the last Forward
    private NDArray? _out, _outSource;       // the (N, D) view of x, made once per input array (a view costs an allocation)
    private NDArray? _dx, _dxSource;         // the x-shaped view of dout, likewise

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><c>out = x.reshape(N, −1)</c>.</summary>
    /// <remarks>x: (N, …). Result: (N, D), a view of x when possible (a copy otherwise).</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        CheckInput(x);
        if (!ReferenceEquals(x, _outSource))
        {
            _out = Infer(x);
            _outSource = x;
        }
        _x = x;
        return _out!;
    }

    /// <summary><c>dx = dout.reshape(x.shape)</c>.</summary>
    /// <remarks>dout: (N, D), never modified. Result: x's shape, a view of dout when possible.</remarks>
    public NDArray Backward(NDArray dout)
    {
        NDArray x = Guard.Saved(_x, "Flatten");
        ArgumentNullException.ThrowIfNull(dout);
        int n = x.Dim(0);
        Guard.SameShape("Flatten.Backward", "dout", dout, "out", [n, x.Size / Math.Max(n, 1)]);
        if (!ReferenceEquals(dout, _dxSource) || !Buffers.SameShape(_dx!, x))
        {
            _dx = dout.Reshape(x.Shape);
            _dxSource = dout;
        }
        return _dx!;
    }

    /// <inheritdoc/>
    public NDArray Infer(NDArray x)
    {
        CheckInput(x);
        return x.Reshape(x.Dim(0), -1);
    }

    private static void CheckInput(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 1)
            throw new ArgumentException($"Flatten.Forward: expected x (N, …), got {Shapes.Format(x.Shape)}.", nameof(x));
    }
}
