using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Addition node of a computation graph (the book's <c>AddLayer</c>): <c>out = x + y</c>, with NumPy broadcasting.</summary>
/// <remarks>x, y: shapes that broadcast together; out: the broadcast shape. Backward passes dout through to both inputs, summed over any broadcast axes.</remarks>
public sealed class Add
{
    private int[]? _xShape, _yShape, _outShape;

    /// <summary><c>out = x + y</c>.</summary>
    /// <remarks>x, y: broadcastable shapes. Result: the broadcast shape, new.</remarks>
    public NDArray Forward(NDArray x, NDArray y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        _outShape = Shapes.Broadcast("Add.Forward", x.Shape, y.Shape);
        _xShape = x.Shape;
        _yShape = y.Shape;
        return x + y;
    }

    /// <summary><c>dx = dout</c>, <c>dy = dout</c> (each summed back to its input's shape), since ∂(x + y)/∂x = ∂(x + y)/∂y = 1.</summary>
    /// <remarks>dout: out's shape, never modified. Results: x's and y's shapes, new arrays.</remarks>
    public (NDArray Dx, NDArray Dy) Backward(NDArray dout)
    {
        int[] outShape = Guard.Saved(_outShape, "Add");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("Add.Backward", "dout", dout, "out", outShape);
        return (Broadcasting.SumToShape(dout, _xShape!), Broadcasting.SumToShape(dout, _yShape!));
    }
}
