using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>A layer of the book: <c>Forward</c> computes the output and remembers what <c>Backward</c> needs; <c>Backward</c> maps ∂L/∂out to ∂L/∂x and fills each parameter's Grad.</summary>
public interface ILayer
{
    /// <summary>The output for input <paramref name="x"/>; <paramref name="training"/> matters to Dropout and batch normalization.</summary>
    NDArray Forward(NDArray x, bool training = false);

    /// <summary>Given <c>dout = ∂L/∂out</c> (never modified), writes ∂L/∂W into each <see cref="Parameter.Grad"/> and returns <c>∂L/∂x</c>.</summary>
    NDArray Backward(NDArray dout);

    /// <summary>The trainable parameters, named as the book names them (<c>W</c>, <c>b</c>, <c>gamma</c>, <c>beta</c>); empty when there are none.</summary>
    IReadOnlyList<Parameter> Parameters { get; }
}
