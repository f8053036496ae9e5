using Scratch.Tensors;

namespace Scratch.Data;

/// <summary>The four input pairs of a two-input logic gate and its truth table (the book's chapter 2 perceptrons).</summary>
/// <remarks>x: (4, 2) with rows (0, 0), (1, 0), (0, 1), (1, 1), in the book's order; t: (4, 1).</remarks>
public static class LogicGates
{
    /// <summary>x₁ AND x₂: t = [0, 0, 0, 1].</summary>
    public static (NDArray X, NDArray T) And() => Gate(0, 0, 0, 1);

    /// <summary>NOT (x₁ AND x₂): t = [1, 1, 1, 0].</summary>
    public static (NDArray X, NDArray T) Nand() => Gate(1, 1, 1, 0);

    /// <summary>x₁ OR x₂: t = [0, 1, 1, 1].</summary>
    public static (NDArray X, NDArray T) Or() => Gate(0, 1, 1, 1);

    /// <summary>x₁ XOR x₂: t = [0, 1, 1, 0], the gate no single perceptron can learn.</summary>
    public static (NDArray X, NDArray T) Xor() => Gate(0, 1, 1, 0);

    private static (NDArray X, NDArray T) Gate(float t00, float t10, float t01, float t11) =>
        (NDArray.FromArray([0, 0, 1, 0, 0, 1, 1, 1], 4, 2), NDArray.FromArray([t00, t10, t01, t11], 4, 1));
}
