using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>A layer of the book: <c>Forward</c> computes the output and remembers what <c>Backward</c> needs; <c>Backward</c> maps ∂L/∂out to ∂L/∂x and fills each parameter's Grad.</summary>
/// <remarks>
/// <para><b>Buffers.</b> A layer owns the arrays it returns: <c>Forward</c>'s result stays valid until the layer's next
/// <c>Forward</c>, <c>Backward</c>'s result until its next <c>Backward</c>; after that they are overwritten in place
/// (some layers return a view of their input or of <c>dout</c> instead, e.g. <see cref="Flatten"/>). They are allocated when a
/// batch shape first appears and reused while it repeats, so a training step allocates nothing once warm.
/// <c>Clone()</c> a result to keep it. The inputs (<c>x</c>, <c>dout</c>) are read and never modified.</para>
/// <para><b>Threads.</b> <c>Forward</c> and <c>Backward</c> use the layer's buffers and saved state: one thread at a time.
/// Inference from several threads goes through <see cref="IStatelessInference.Infer"/>, which every layer of this
/// library implements and <see cref="INetwork.Predict"/> uses in test mode.</para>
/// </remarks>
public interface ILayer
{
    /// <summary>The output for input <paramref name="x"/>; <paramref name="training"/> matters to Dropout and batch normalization.</summary>
    /// <remarks>The result belongs to the layer and is valid until its next <c>Forward</c>.</remarks>
    NDArray Forward(NDArray x, bool training = false);

    /// <summary>Given <c>dout = ∂L/∂out</c> (never modified), writes ∂L/∂W into each <see cref="Parameter.Grad"/> and returns <c>∂L/∂x</c>.</summary>
    /// <remarks>The result belongs to the layer and is valid until its next <c>Backward</c>.</remarks>
    NDArray Backward(NDArray dout);

    /// <summary>The trainable parameters, named as the book names them (<c>W</c>, <c>b</c>, <c>gamma</c>, <c>beta</c>); empty when there are none.</summary>
    IReadOnlyList<Parameter> Parameters { get; }
}

/// <summary>A layer whose test-mode output can be computed without touching its buffers or saved state, so that several threads may call <see cref="Infer"/> at once.</summary>
/// <remarks>
/// <see cref="Sequential.Predict"/> in test mode runs <see cref="Infer"/> on every layer that implements this (all the
/// library's layers do); a layer that does not is run through its <c>Forward</c> under a lock, one thread at a time.
/// <see cref="Infer"/> reads the parameters (and batch norm's running statistics), so it must not run while the
/// same network trains.
/// </remarks>
public interface IStatelessInference
{
    /// <summary>The test-mode output for <paramref name="x"/>, equal to <c>Forward(x, training: false)</c>, in a new array owned by the caller.</summary>
    NDArray Infer(NDArray x);
}

/// <summary>A layer that can skip <c>∂L/∂x</c> when its input needs no gradient (the first layer of a network).</summary>
internal interface IParameterGradients
{
    /// <summary>Fills every <see cref="Parameter.Grad"/> for the last Forward, as <see cref="ILayer.Backward"/> does, without computing dx.</summary>
    void BackwardParameters(NDArray dout);
}
