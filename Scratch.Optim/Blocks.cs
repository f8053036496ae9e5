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
    /// The smallest parameter cut into blocks: two blocks, 32,768 elements. Smaller ones (biases, small weights) are
    /// updated in one pass on the calling thread: handing a block to another core costs a few µs (tens when the worker
    /// sleeps), the time of updating about 10,000 elements. At this size every update touches at least
    /// <c>ParallelRange.MinParallelWork</c> elements (W and g at least), so ParallelRange splits every blocked update.
    /// </summary>
    public const int MinElements = 2 * Elements;

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
