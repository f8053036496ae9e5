using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Optim;

/// <summary>The block update of an elementwise rule: a large parameter cut into blocks that the cores take in turn.</summary>
/// <remarks>
/// Every element is computed by the same <see cref="Step"/> code whichever block, thread or thread count it falls to, and a
/// block starts at a multiple of 64 elements, so the vector loops inside Step give each element the same vector lane
/// or scalar tail as one whole-parameter call: the results are bit-identical for any thread count.
/// </remarks>
public abstract partial class Optimizer
{
    /// <summary>
    /// Elements per block: 16,384 (64 KiB of each array; Adam's W, g, m and v together fit a core's L2 cache). A multiple
    /// of 64, so a block never cuts a vector of the whole-parameter loop.
    /// </summary>
    internal const int BlockElements = 1 << 14;

    /// <summary>
    /// The smallest parameter updated in blocks: two blocks, 32,768 elements. Smaller ones (biases, small weights) take one
    /// <see cref="Step"/> on the calling thread: handing a block to another core costs a few µs (tens when the worker
    /// sleeps), the time of updating about 10,000 elements. At this size every rule touches at least
    /// <c>ParallelRange.MinParallelWork</c> elements (W and g at least), so ParallelRange splits every blocked update.
    /// </summary>
    internal const int MinBlockedElements = 2 * BlockElements;

    /// <summary>Whether elementwise rules update large parameters in blocks; tests turn it off to get the whole-parameter result to compare with.</summary>
    internal static bool UpdatesInBlocks { get; set; } = true;

    /// <summary>Each thread's view of the block it updates (made once per thread, then reused).</summary>
    [ThreadStatic]
    private static OptimizerState? t_block;

    /// <summary>
    /// <see cref="Step"/> on each block of <paramref name="p"/> (the last one shorter), the blocks taken in turn by up to
    /// <c>ParallelRange.MaxThreads</c> threads. Allocates nothing once each thread has its view.
    /// </summary>
    private void StepInBlocks(Parameter p, OptimizerState state)
    {
        int size = p.Value.Size;
        int blocks = (size + BlockElements - 1) / BlockElements;
        long work = (long)size * (2 + _slots.Length);   // elements touched: W, g and the state arrays
        ParallelRange.ForEachClaimed(blocks, new BlockBody(this, p.Value, p.Grad, state), work);
    }

    /// <summary>Blocks [from, to) of one parameter's update; holds the arrays, not spans, so it can cross threads.</summary>
    private readonly struct BlockBody(Optimizer optimizer, NDArray value, NDArray grad, OptimizerState state) : IRangeBody
    {
        public void Run(int from, int to)
        {
            Span<float> w = value.AsSpan();
            ReadOnlySpan<float> g = grad.AsSpan();
            OptimizerState block = t_block ??= new OptimizerState();
            try
            {
                for (int b = from; b < to; b++)
                {
                    int start = b * BlockElements, length = Math.Min(BlockElements, w.Length - start);
                    block.ShowBlock(state, start, length);
                    optimizer.Step(w.Slice(start, length), g.Slice(start, length), block);
                }
            }
            finally
            {
                block.Release();
            }
        }
    }
}
