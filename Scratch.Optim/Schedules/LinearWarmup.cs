namespace Scratch.Optim.Schedules;

/// <summary>
/// Linear warm-up in front of any schedule: for <c>epoch &lt; W</c>, <c>lr = a + (b − a)·epoch / W</c> with
/// <c>a = startFactor·inner(0)</c>, <c>b = inner(W)</c>; from epoch <c>W</c> on, <c>lr = inner(epoch)</c>.
/// </summary>
/// <remarks>
/// <c>W</c> is <c>warmupEpochs</c>. The ramp starts at a fraction of the inner schedule's first rate and ends, at epoch W,
/// exactly where the inner schedule is then, so the curve is continuous; the inner schedule keeps its own epoch count
/// (it is not shifted by W). With <c>W = 0</c> this is the inner schedule unchanged. Example: warm-up of 5 epochs from
/// 0.1× into <c>CosineAnnealingLr(0.1, 50)</c> gives 0.01 at epoch 0 and follows the cosine from epoch 5.
/// </remarks>
public sealed class LinearWarmup : ILearningRateSchedule
{
    /// <summary>Ramps from <paramref name="startFactor"/>·inner(0) up to inner(<paramref name="warmupEpochs"/>), then follows <paramref name="inner"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="warmupEpochs"/> is negative or <paramref name="startFactor"/> is outside [0, 1].</exception>
    public LinearWarmup(ILearningRateSchedule inner, int warmupEpochs, float startFactor = 0.1f)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (warmupEpochs < 0)
            throw new ArgumentException($"{nameof(LinearWarmup)}: warmupEpochs must be ≥ 0, got {warmupEpochs}.", nameof(warmupEpochs));
        if (!(startFactor is >= 0f and <= 1f))
            throw new ArgumentException($"{nameof(LinearWarmup)}: startFactor must be in [0, 1], got {Check.Format(startFactor)}.", nameof(startFactor));
        Inner = inner;
        WarmupEpochs = warmupEpochs;
        StartFactor = startFactor;
    }

    /// <summary>The schedule followed after the warm-up.</summary>
    public ILearningRateSchedule Inner { get; }

    /// <summary>Number of warm-up epochs W (epochs 0 … W − 1 are on the ramp).</summary>
    public int WarmupEpochs { get; }

    /// <summary>The ramp starts at <c>StartFactor·inner(0)</c>.</summary>
    public float StartFactor { get; }

    /// <inheritdoc/>
    public float LearningRate(int epoch)
    {
        Check.Epoch(nameof(LinearWarmup), epoch);
        if (epoch >= WarmupEpochs) return Inner.LearningRate(epoch);
        double a = StartFactor * (double)Inner.LearningRate(0);
        double b = Inner.LearningRate(WarmupEpochs);
        return (float)(a + (b - a) * epoch / WarmupEpochs);
    }
}
