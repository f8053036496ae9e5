namespace Scratch.Nn;

/// <summary>Training met a NaN or ±∞: in the loss, in a gradient, or (when checked) in the input batch.</summary>
/// <remarks>
/// <see cref="Trainer"/> raises it at the step where the value appears, before the optimizer runs, so the parameters keep
/// the values of the last good step. <see cref="Epoch"/> and <see cref="Step"/> count from 1.
/// </remarks>
public sealed class NonFiniteException : ArithmeticException
{
    /// <summary>Creates the exception; <paramref name="message"/> names the epoch, the step and what was not finite.</summary>
    public NonFiniteException(string message, int epoch, int step, string? parameter, string? layer) : base(message)
    {
        Epoch = epoch;
        Step = step;
        Parameter = parameter;
        Layer = layer;
    }

    /// <summary>The epoch (from 1) of the failing step.</summary>
    public int Epoch { get; }

    /// <summary>The step within the epoch (from 1).</summary>
    public int Step { get; }

    /// <summary>The book's key of the first parameter whose gradient is not finite (<c>W1</c>, <c>gamma2</c>…), or null when all are finite.</summary>
    public string? Parameter { get; }

    /// <summary>The first layer (in forward order) holding such a parameter, as <c>"3 (Affine)"</c>, or null.</summary>
    public string? Layer { get; }
}
