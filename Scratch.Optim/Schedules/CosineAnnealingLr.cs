namespace Scratch.Optim.Schedules;

/// <summary>Cosine annealing: <c>lr(epoch) = etaMin + (initial − etaMin)·(1 + cos(π·epoch / tMax)) / 2</c>.</summary>
/// <remarks>
/// PyTorch's <c>CosineAnnealingLR</c> closed form (Loshchilov &amp; Hutter, SGDR, without restarts): <c>initial</c> at epoch 0,
/// <c>etaMin</c> at epoch <c>tMax</c>. The epoch is not clamped: past <c>tMax</c> the cosine goes on, so the rate climbs back
/// to <c>initial</c> at <c>2·tMax</c> and the schedule repeats with period <c>2·tMax</c>, exactly as the closed form does in
/// PyTorch. Train for <c>tMax</c> epochs to end at <c>etaMin</c>.
/// </remarks>
public sealed class CosineAnnealingLr : ILearningRateSchedule
{
    /// <summary>Anneals from <paramref name="initial"/> down to <paramref name="etaMin"/> over <paramref name="tMax"/> epochs.</summary>
    /// <exception cref="ArgumentException"><paramref name="initial"/> or <paramref name="etaMin"/> is negative or not finite, or <paramref name="tMax"/> ≤ 0.</exception>
    public CosineAnnealingLr(float initial, int tMax, float etaMin = 0f)
    {
        Initial = Check.NonNegative(nameof(CosineAnnealingLr), nameof(initial), initial);
        TMax = Check.Positive(nameof(CosineAnnealingLr), nameof(tMax), tMax);
        EtaMin = Check.NonNegative(nameof(CosineAnnealingLr), nameof(etaMin), etaMin);
    }

    /// <summary>The rate at epoch 0.</summary>
    public float Initial { get; }

    /// <summary>Epochs from <see cref="Initial"/> down to <see cref="EtaMin"/> (half the cosine's period).</summary>
    public int TMax { get; }

    /// <summary>The rate at epoch <see cref="TMax"/>.</summary>
    public float EtaMin { get; }

    /// <inheritdoc/>
    public float LearningRate(int epoch)
    {
        Check.Epoch(nameof(CosineAnnealingLr), epoch);
        return (float)(EtaMin + (Initial - (double)EtaMin) * (1 + Math.Cos(Math.PI * epoch / TMax)) / 2);
    }
}
