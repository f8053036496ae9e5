using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Optim;

/// <summary>The block update of an elementwise rule: a large parameter's <see cref="Step"/> called on each of its <see cref="Blocks"/>, on up to all cores.</summary>
public abstract partial class Optimizer
{
    /// <summary>Each thread's view of the block it updates (made once per thread, then reused).</summary>
    [ThreadStatic]
    private static OptimizerState? t_block;

    /// <summary>
    /// <see cref="Step"/> on each block of <paramref name="p"/>, the blocks taken in turn by up to
    /// <c>ParallelRange.MaxThreads</c> threads. Allocates nothing once each thread has its view.
    /// </summary>
    private void StepInBlocks(Parameter p, OptimizerState state)
    {
        int size = p.Value.Size;
        long work = (long)size * (2 + _slots.Length);   // elements touched: W, g and the state arrays
        ParallelRange.ForEachClaimed(Blocks.Count(size), new BlockBody(this, p.Value, p.Grad, state), work);
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
                    (int start, int length) = Blocks.Range(b, w.Length);
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
