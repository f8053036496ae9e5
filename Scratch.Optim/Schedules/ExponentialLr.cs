namespace Scratch.Optim.Schedules;

/// <summary>Exponential decay: <c>lr(epoch) = initial·gamma^epoch</c>.</summary>
/// <remarks>PyTorch's <c>ExponentialLR</c> closed form: the rate is multiplied by <c>gamma</c> every epoch.</remarks>
public sealed class ExponentialLr : ILearningRateSchedule
{
    /// <summary>Starts at <paramref name="initial"/> and multiplies by <paramref name="gamma"/> each epoch.</summary>
    /// <exception cref="ArgumentException"><paramref name="initial"/> is negative or not finite, or <paramref name="gamma"/> is not a finite number &gt; 0.</exception>
    public ExponentialLr(float initial, float gamma)
    {
        Initial = Check.NonNegative(nameof(ExponentialLr), nameof(initial), initial);
        Gamma = Check.Positive(nameof(ExponentialLr), nameof(gamma), gamma);
    }

    /// <summary>The rate at epoch 0.</summary>
    public float Initial { get; }

    /// <summary>The factor applied each epoch.</summary>
    public float Gamma { get; }

    /// <inheritdoc/>
    public float LearningRate(int epoch)
    {
        Check.Epoch(nameof(ExponentialLr), epoch);
        return (float)(Initial * Math.Pow(Gamma, epoch));
    }
}
