using Scratch.Tensors.Kernels;

namespace Scratch.Tests.Tensors;

/// <summary>The allocation-free parallel loops: every index run exactly once, on one or two threads.</summary>
[NonParallelizable]
public class ParallelRangeTests
{
    /// <summary>Counts how often each index ran, and on which thread.</summary>
    private readonly struct CountingBody(int[] runs, int[] threadOf) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                Interlocked.Increment(ref runs[i]);
                threadOf[i] = Environment.CurrentManagedThreadId;
                Thread.SpinWait(2000);   // long enough for the other thread to take some
            }
        }
    }

    [Test]
    public void ForEachClaimed_RunsEveryIndexOnce([Values(1, 2)] int threads, [Values(0, 1, 7, 100)] int count)
    {
        int saved = ParallelRange.MaxThreads;
        ParallelRange.MaxThreads = threads;
        try
        {
            int[] runs = new int[count], threadOf = new int[count];
            ParallelRange.ForEachClaimed(count, new CountingBody(runs, threadOf), long.MaxValue);
            ParallelRange.ForEachClaimed(count, new CountingBody(runs, threadOf), long.MaxValue);   // the second loop reuses the first one's state
            Assert.That(runs, Is.All.EqualTo(2));
            if (threads == 1)
                Assert.That(threadOf, Is.All.EqualTo(Environment.CurrentManagedThreadId));
        }
        finally { ParallelRange.MaxThreads = saved; }
    }
}
