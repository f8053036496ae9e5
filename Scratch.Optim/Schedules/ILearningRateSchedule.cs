namespace Scratch.Optim.Schedules;

/// <summary>A learning rate per epoch: <c>lr = f(epoch)</c>, epochs counted from 0.</summary>
/// <remarks>
/// A trainer sets <c>optimizer.LearningRate = schedule.LearningRate(epoch)</c> at the start of each epoch.
/// Schedules are pure functions of the epoch (PyTorch's closed forms), so they can be evaluated in any order.
/// </remarks>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate for <paramref name="epoch"/> (0-based).</summary>
    /// <exception cref="ArgumentException"><paramref name="epoch"/> is negative.</exception>
    float LearningRate(int epoch);
}
