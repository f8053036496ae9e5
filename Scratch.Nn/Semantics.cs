namespace Scratch.Nn;

/// <summary>Which of two defensible conventions networks, <c>Dropout</c> and the <c>Trainer</c> follow.</summary>
/// <remarks>
/// | toggle | <see cref="Book"/> (the book's code) | <see cref="Modern"/> (PyTorch's, the default) |
/// |---|---|---|
/// | Dropout | training: <c>x·mask</c>; test: <c>x·(1 − ratio)</c> | training: <c>x·mask/(1 − ratio)</c> (inverted); test: <c>x</c> |
/// | batch norm on 4-D input in networks | <c>BatchNormalization</c>: statistics per feature over (N), x seen as (N, C·H·W) | <c>BatchNormalization2d</c>: statistics per channel over (N, H, W) |
/// | trainer mini-batches | <c>np.random.choice(trainSize, batchSize)</c> each step (with replacement) | a fresh permutation each epoch, every sample once |
/// The classes <c>BatchNormalization</c> and <c>BatchNormalization2d</c> keep their own definitions whatever the switch.
/// </remarks>
public enum Semantics
{
    /// <summary>PyTorch's conventions: inverted dropout, per-channel batch norm for 4-D input, a permutation per epoch.</summary>
    Modern,

    /// <summary>The book's code as written: dropout scaled at test time, per-feature batch norm, sampling with replacement.</summary>
    Book,
}
