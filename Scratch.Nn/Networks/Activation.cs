namespace Scratch.Nn;

/// <summary>The hidden-layer activation of the book's multi-layer networks.</summary>
public enum Activation
{
    /// <summary><c>max(x, 0)</c>; pairs with He initialization.</summary>
    Relu,

    /// <summary><c>1 / (1 + e^−x)</c>; pairs with Xavier initialization.</summary>
    Sigmoid,

    /// <summary><c>tanh(x)</c>; pairs with Xavier initialization.</summary>
    Tanh,
}
