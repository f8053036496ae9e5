using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Multiplication node of a computation graph (the book's <c>MulLayer</c>): <c>out = x·y</c> elementwise, with NumPy broadcasting.</summary>
/// <remarks>x, y: shapes that broadcast together; out: the broadcast shape. Each input's gradient is the other input times dout, summed over broadcast axes.</remarks>
public sealed class Mul
{
    private NDArray? _x, _y;
    private int[] _outShape = [];

    /// <summary><c>out = x·y</c>.</summary>
    /// <remarks>x, y: broadcastable shapes, both kept for Backward. Result: the broadcast shape, new.</remarks>
    public NDArray Forward(NDArray x, NDArray y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        _outShape = Shapes.Broadcast("Mul.Forward", x.Shape, y.Shape);
        _x = x;
        _y = y;
        return x * y;
    }

    /// <summary><c>dx = dout·y</c>, <c>dy = dout·x</c> (the inputs swapped), each summed back to its input's shape.</summary>
    /// <remarks>dout: out's shape, never modified. Results: x's and y's shapes, new arrays.</remarks>
    public (NDArray Dx, NDArray Dy) Backward(NDArray dout)
    {
        NDArray x = Guard.Saved(_x, "Mul"), y = _y!;
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("Mul.Backward", "dout", dout, "out", _outShape);
        return (Broadcasting.SumToShape(dout * y, x.Shape), Broadcasting.SumToShape(dout * x, y.Shape));
    }
}
