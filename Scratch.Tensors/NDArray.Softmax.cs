namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary><c>softmax(x)_i = e^(x_i − max x) / Σ_j e^(x_j − max x)</c> along <paramref name="axis"/> (default: the last).</summary>
    /// <remarks>Same shape as x. Shifting by the maximum first keeps <c>[1000, 1001]</c> finite (it gives [0.269, 0.731]).</remarks>
    public NDArray Softmax(int axis = -1)
    {
        int a = Shapes.NormalizeAxis("Softmax", axis, _shape);
        NDArray shifted = this - Max(a, keepDims: true);
        NDArray e = shifted.Exp(into: shifted);
        return e.DivideInPlace(e.Sum(a, keepDims: true));
    }

    /// <summary><c>log softmax(x)_i = (x_i − max x) − log Σ_j e^(x_j − max x)</c> along <paramref name="axis"/> (default: the last).</summary>
    /// <remarks>Same shape as x; stable for large and very negative inputs, unlike <c>Log(Softmax(x))</c>.</remarks>
    public NDArray LogSoftmax(int axis = -1)
    {
        int a = Shapes.NormalizeAxis("LogSoftmax", axis, _shape);
        NDArray shifted = this - Max(a, keepDims: true);
        NDArray logSum = shifted.Exp().Sum(a, keepDims: true);
        return shifted.SubtractInPlace(logSum.Log(into: logSum));
    }

    /// <summary>Running sums <c>y_i = x_0 + … + x_i</c> along <paramref name="axis"/>, or over the flattened array when it is null (NumPy's <c>cumsum</c>).</summary>
    /// <remarks>Same shape as x along an axis; (Size,) when flattened.</remarks>
    public NDArray CumSum(int? axis = null)
    {
        if (axis is null) return Reshape(-1).CumSum(0);
        int a = Shapes.NormalizeAxis("CumSum", axis.Value, _shape);
        NDArray result = Clone();
        for (int i = 1; i < _shape[a]; i++)
            result.Slice(a, i, i + 1).AddInPlace(result.Slice(a, i - 1, i));
        return result;
    }
}
