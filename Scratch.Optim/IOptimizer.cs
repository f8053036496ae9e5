namespace Scratch.Optim;

/// <summary>An update rule <c>W ← step(W, ∂L/∂W, state)</c> applied in place to a list of parameters.</summary>
/// <remarks>
/// Mirrors the book's <c>optimizer.update(params, grads)</c>. Implementations keep their state (velocities, squared-gradient
/// sums, moments) per <see cref="Parameter"/> object, create it on a parameter's first update, and allocate nothing on later ones.
/// </remarks>
public interface IOptimizer
{
    /// <summary>The step size <c>lr</c>; may be changed between updates (see <c>Schedules</c>).</summary>
    float LearningRate { get; set; }

    /// <summary>Updates every parameter's <c>Value</c> in place from its <c>Grad</c>.</summary>
    /// <remarks>Every parameter is validated before any is changed: a bad one anywhere in the list leaves all of them as they were.</remarks>
    /// <exception cref="ArgumentException">A parameter is null, its Grad shape differs from its Value's, or Grad is a non-contiguous view.</exception>
    void Update(IReadOnlyList<Parameter> parameters);

    /// <summary>The optimizer's state for <paramref name="parameter"/> as named arrays (<c>v</c>; <c>h</c>; <c>m</c>, <c>v</c>, <c>t</c>), copies; empty before its first update.</summary>
    /// <remarks>With <see cref="SetState"/> it lets a training run be saved and resumed with bit-identical updates.</remarks>
    IReadOnlyDictionary<string, float[]> GetState(Parameter parameter);

    /// <summary>Restores what <see cref="GetState"/> returned for <paramref name="parameter"/> (copied in).</summary>
    /// <exception cref="ArgumentException">A slot is missing or has another length than the parameter.</exception>
    void SetState(Parameter parameter, IReadOnlyDictionary<string, float[]> state);
}
