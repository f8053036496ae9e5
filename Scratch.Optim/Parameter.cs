using Scratch.Tensors;

namespace Scratch.Optim;

/// <summary>A trainable array and its gradient: <c>Value</c> is what the optimizer updates, <c>Grad</c> is ∂L/∂Value.</summary>
/// <remarks>
/// The book keeps two dictionaries, <c>params['W1']</c> and <c>grads['W1']</c>; a Parameter is one entry of both.
/// <see cref="Value"/> is always contiguous: a contiguous array is kept as is (the Parameter and the caller share it),
/// a view is copied. <see cref="Grad"/> is allocated once, zeroed, with Value's shape; backward passes write into it
/// (<c>into: W.Grad</c>) so a training step allocates nothing.
/// </remarks>
public sealed class Parameter
{
    private NDArray _grad;

    /// <summary>Wraps <paramref name="value"/> (copied only when it is not contiguous) and allocates a zeroed Grad of its shape.</summary>
    public Parameter(string name, NDArray value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        Name = name;
        Value = value.Contiguous();
        _grad = NDArray.ZerosLike(Value);
    }

    /// <summary>The book's key for this array: <c>W1</c>, <c>b1</c>, <c>gamma1</c>…</summary>
    public string Name { get; }

    /// <summary>The trained array, contiguous; optimizers update it in place.</summary>
    public NDArray Value { get; }

    /// <summary>∂L/∂Value, same shape as <see cref="Value"/>.</summary>
    /// <remarks>
    /// Layers normally write into this array. Assigning a new one is allowed (the book's <c>self.dW = …</c>);
    /// optimizers check its shape against Value's at every update and throw <see cref="ArgumentException"/> on a mismatch.
    /// </remarks>
    public NDArray Grad
    {
        get => _grad;
        set => _grad = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Sets every element of <see cref="Grad"/> to 0.</summary>
    public void ZeroGrad() => _grad.Fill(0f);

    /// <inheritdoc/>
    public override string ToString() => $"Parameter '{Name}' {Shapes.Format(Value.Shape)}";
}
