using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>A last layer that compares predictions with targets: <c>Forward</c> returns the scalar loss, <c>Backward</c> its gradient.</summary>
public interface ILossLayer
{
    /// <summary>The loss of scores <paramref name="x"/> against targets <paramref name="t"/> (averaged over the batch).</summary>
    float Forward(NDArray x, NDArray t);

    /// <summary><c>∂L/∂x</c> for the last <see cref="Forward"/>, scaled by <paramref name="dout"/>.</summary>
    NDArray Backward(float dout = 1f);
}
