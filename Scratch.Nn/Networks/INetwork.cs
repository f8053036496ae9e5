using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>A trainable network as the book's classes expose it: predict, loss, accuracy, backprop and numerical gradients.</summary>
/// <remarks>
/// <b>Threads.</b> <see cref="Predict"/> in test mode (<c>training: false</c>) and <see cref="Accuracy"/> are safe to call
/// from several threads at once on a network that is not training: they run each layer's stateless inference
/// (<see cref="IStatelessInference"/>) with buffers of their own for each call. Training (<see cref="Gradient"/>,
/// <see cref="Loss"/>, <c>Predict(x, training: true)</c>) uses the layers' reused buffers: one thread at a time, and
/// its results are valid until the next training call.
/// </remarks>
public interface INetwork
{
    /// <summary>Every trainable parameter, in layer order: what an optimizer's <c>Update</c> takes (PyTorch's <c>parameters()</c>).</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The same parameters under the book's keys <c>W1</c>, <c>b1</c>, <c>gamma1</c>, … (the book's <c>network.params</c>, the keys of checkpoints and <see cref="Gradient"/>).</summary>
    IReadOnlyDictionary<string, Parameter> Params { get; }

    /// <summary>The scores (before softmax) for input <paramref name="x"/>.</summary>
    /// <remarks>Test mode: a new array, safe from several threads. Training mode: the last layer's buffer, valid until the next training call.</remarks>
    NDArray Predict(NDArray x, bool training = false);

    /// <summary>The loss of <paramref name="x"/> against targets <paramref name="t"/>, weight decay included.</summary>
    float Loss(NDArray x, NDArray t, bool training = false);

    /// <summary>The fraction of samples whose arg-max score is the target class (one-hot or index targets).</summary>
    /// <remarks>Safe from several threads at once (it predicts in test mode).</remarks>
    float Accuracy(NDArray x, NDArray t, int batchSize = 100);

    /// <summary>Backpropagation: runs a training-mode forward and backward pass, fills every <see cref="Parameter.Grad"/> and returns them by key; also returns the loss.</summary>
    /// <remarks>Allocates nothing once warm in this library's networks: the dictionary is the same object at every call.</remarks>
    (float Loss, IReadOnlyDictionary<string, NDArray> Grads) Gradient(NDArray x, NDArray t);

    /// <summary>Central-difference gradients of <see cref="Loss"/> (training mode) for every parameter, by key (slow: for checking).</summary>
    IReadOnlyDictionary<string, NDArray> NumericalGradient(NDArray x, NDArray t, float h = 1e-2f);
}
