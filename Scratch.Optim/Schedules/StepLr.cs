namespace Scratch.Optim.Schedules;

/// <summary>Step decay: <c>lr(epoch) = initial·gamma^⌊epoch / stepSize⌋</c>.</summary>
/// <remarks>PyTorch's <c>StepLR</c> closed form: the rate is multiplied by <c>gamma</c> every <c>stepSize</c> epochs.</remarks>
public sealed class StepLr : ILearningRateSchedule
{
    /// <summary>Starts at <paramref name="initial"/> and multiplies by <paramref name="gamma"/> every <paramref name="stepSize"/> epochs.</summary>
    /// <exception cref="ArgumentException"><paramref name="initial"/> is negative or not finite, <paramref name="stepSize"/> ≤ 0, or <paramref name="gamma"/> is not a finite number &gt; 0.</exception>
    public StepLr(float initial, int stepSize, float gamma = 0.1f)
    {
        Initial = Check.NonNegative(nameof(StepLr), nameof(initial), initial);
        StepSize = Check.Positive(nameof(StepLr), nameof(stepSize), stepSize);
        Gamma = Check.Positive(nameof(StepLr), nameof(gamma), gamma);
    }

    /// <summary>The rate for epochs 0 … stepSize − 1.</summary>
    public float Initial { get; }

    /// <summary>Epochs between two decays.</summary>
    public int StepSize { get; }

    /// <summary>The factor applied at each decay.</summary>
    public float Gamma { get; }

    /// <inheritdoc/>
    public float LearningRate(int epoch)
    {
        Check.Epoch(nameof(StepLr), epoch);
        return (float)(Initial * Math.Pow(Gamma, epoch / StepSize));   // integer division: ⌊epoch / stepSize⌋
    }
}
