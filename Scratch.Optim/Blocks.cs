namespace Scratch.Optim;

/// <summary>
/// How a large parameter is cut for an update on several cores: consecutive blocks of <see cref="Elements"/> elements
/// (the last one shorter), which the threads of <c>ParallelRange.ForEachClaimed</c> take in turn.
/// </summary>
/// <remarks>
/// Each element is computed by the same code whichever block, thread or thread count it falls to, and a block starts at
/// a multiple of 64 elements, so the vector loops give each element the same vector lane or scalar tail as one pass
/// over the whole parameter: the results are bit-identical for any thread count.
/// </remarks>
internal static class Blocks
{
    /// <summary>
    /// Elements per block: 16,384 (64 KiB of each array; Adam's W, g, m and v together fit a core's L2 cache). A multiple
    /// of 64, so a block never cuts a vector of the whole-parameter loop.
    /// </summary>
    public const int Elements = 1 << 14;

    /// <summary>
    /// The smallest parameter cut into blocks: eight blocks, 131,072 elements. Smaller ones (biases, most weights) are
    /// updated in one pass on the calling thread. A hand-off to the other core costs a few µs, and a wait for it tens
    /// when a thread has to be woken (20-70 µs on a 2-core virtual machine); in training steps with Adam, blocks made
    /// the MLP's 78,400-weight W1 slower (update 0.10-0.13 → 0.14-0.17 ms) and SimpleConvNet's 432,000-weight hidden
    /// Affine about twice as fast. At this size every update touches far more than <c>ParallelRange.MinParallelWork</c>
    /// elements, so ParallelRange splits every blocked update.
    /// </summary>
    public const int MinElements = 8 * Elements;

    /// <summary>Whether large parameters are updated in blocks; tests turn it off to get the one-pass result to compare with.</summary>
    public static bool Enabled { get; set; } = true;

    /// <summary>Whether a parameter of <paramref name="size"/> elements is updated in blocks.</summary>
    public static bool Apply(int size) => Enabled && size >= MinElements;

    /// <summary>The number of blocks of a parameter of <paramref name="size"/> elements.</summary>
    public static int Count(int size) => (size + Elements - 1) / Elements;

    /// <summary>Where block <paramref name="b"/> of a parameter of <paramref name="size"/> elements starts, and its length.</summary>
    public static (int Start, int Length) Range(int b, int size)
    {
        int start = b * Elements;
        return (start, Math.Min(Elements, size - start));
    }
}
