using System.Globalization;
using Scratch.Tensors;

namespace Scratch.Optim;

/// <summary>Argument checks shared by the optimizers, schedules and weight decay; each message names the class and the value.</summary>
internal static class Check
{
    public static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A learning rate (or any other rate): finite and ≥ 0.</summary>
    public static float NonNegative(string owner, string name, float value, string? paramName = null) =>
        float.IsFinite(value) && value >= 0f
            ? value
            : throw new ArgumentException($"{owner}: {name} must be a finite number ≥ 0, got {Format(value)}.", paramName ?? name);

    /// <summary>A decay factor (momentum, decayRate, beta1, beta2): in [0, 1).</summary>
    public static float UnitInterval(string owner, string name, float value) =>
        value is >= 0f and < 1f   // false for NaN
            ? value
            : throw new ArgumentException($"{owner}: {name} must be in [0, 1), got {Format(value)}.", name);

    /// <summary>A finite number &gt; 0 (epsilon, gamma).</summary>
    public static float Positive(string owner, string name, float value, string? paramName = null) =>
        float.IsFinite(value) && value > 0f
            ? value
            : throw new ArgumentException($"{owner}: {name} must be a finite number > 0, got {Format(value)}.", paramName ?? name);

    /// <summary>A count &gt; 0 (stepSize, tMax).</summary>
    public static int Positive(string owner, string name, int value) =>
        value > 0 ? value : throw new ArgumentException($"{owner}: {name} must be > 0, got {value}.", name);

    /// <summary>A schedule's epoch: 0-based, so ≥ 0.</summary>
    public static int Epoch(string owner, int epoch) =>
        epoch >= 0 ? epoch : throw new ArgumentException($"{owner}: epoch must be ≥ 0 (epochs count from 0), got {epoch}.", nameof(epoch));

    /// <summary>
    /// Validates every parameter of the list (not null, Grad of Value's shape and contiguous) before an optimizer changes
    /// any of them, so a bad parameter late in the list leaves the earlier ones untouched. Allocates nothing unless it throws.
    /// </summary>
    public static void All(string owner, IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        for (int p = 0; p < parameters.Count; p++)
            ValueAndGrad(owner, parameters, p, out _, out _);
    }

    /// <summary>
    /// The spans an optimizer walks for one parameter: <paramref name="w"/> over <c>Value</c> and <paramref name="g"/>
    /// over <c>Grad</c>, after checking that Grad has Value's shape and is contiguous. Allocates nothing unless it throws.
    /// </summary>
    public static void ValueAndGrad(string owner, IReadOnlyList<Parameter> parameters, int index, out Span<float> w, out ReadOnlySpan<float> g)
    {
        Parameter p = parameters[index] ?? throw new ArgumentException($"{owner}.Update: parameters[{index}] is null.", nameof(parameters));
        NDArray value = p.Value, grad = p.Grad;
        if (!SameShape(value, grad))
            throw new ArgumentException(
                $"{owner}.Update: parameter '{p.Name}' has Grad {Shapes.Format(grad.Shape)} but Value {Shapes.Format(value.Shape)}; they must match.",
                nameof(parameters));
        if (!grad.IsContiguous)
            throw new ArgumentException(
                $"{owner}.Update: Grad of parameter '{p.Name}' {Shapes.Format(grad.Shape)} is a non-contiguous view (strides {Shapes.Format(grad.Strides)}); assign a contiguous array or write into the preallocated Grad.",
                nameof(parameters));
        w = value.AsSpan();
        g = grad.AsSpan();
    }

    /// <summary>Same shape, compared axis by axis without copying either shape.</summary>
    public static bool SameShape(NDArray a, NDArray b)
    {
        if (a.Rank != b.Rank) return false;
        for (int k = 0; k < a.Rank; k++)
            if (a.Dim(k) != b.Dim(k)) return false;
        return true;
    }
}
