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

    /// <summary>Each outer index starts an inner loop over its own row of <c>runs</c>.</summary>
    private readonly struct NestingBody(int[,] runs) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                int[] row = new int[runs.GetLength(1)];
                ParallelRange.ForEachClaimed(row.Length, new CountingBody(row, new int[row.Length]), long.MaxValue);
                for (int j = 0; j < row.Length; j++)
                    Interlocked.Add(ref runs[i, j], row[j]);
            }
        }
    }

    /// <summary>
    /// A loop inside another's body (a convolution's chunk calling a GEMM cut along its depth) runs every index of both
    /// once. The inner loop used to reset the outer one's claim counter: outer indices were skipped, or never ran out.
    /// </summary>
    [Test]
    public void ForEachClaimed_InsideAnother_RunsEveryIndexOnce([Values(1, 2)] int threads, [Values(3, 8)] int outer)
    {
        int saved = ParallelRange.MaxThreads;
        ParallelRange.MaxThreads = threads;
        try
        {
            int[,] runs = new int[outer, 5];
            var loop = Task.Run(() => ParallelRange.ForEachClaimed(outer, new NestingBody(runs), long.MaxValue));
            Assert.That(loop.Wait(TimeSpan.FromSeconds(30)), Is.True, "the outer loop ends");
            Assert.That(runs, Is.All.EqualTo(1));
        }
        finally { ParallelRange.MaxThreads = saved; }
    }

    /// <summary>An error in any part reaches the caller once every part has ended, and the next loop runs normally.</summary>
    [Test]
    public void For_AfterAnErrorInAPart_Rethrows_AndTheNextLoopRuns([Values(1, 2)] int threads)
    {
        int saved = ParallelRange.MaxThreads;
        ParallelRange.MaxThreads = threads;
        try
        {
            Assert.That(() => ParallelRange.For(4, new ThrowingBody(), long.MaxValue), Throws.InvalidOperationException.With.Message.EqualTo("index 3"));
            int[] runs = new int[4];
            ParallelRange.For(4, new CountingBody(runs, new int[4]), long.MaxValue);
            Assert.That(runs, Is.All.EqualTo(1));
        }
        finally { ParallelRange.MaxThreads = saved; }
    }

    /// <summary>Throws at index 3, the last part's.</summary>
    private readonly struct ThrowingBody : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++)
                if (i == 3)
                    throw new InvalidOperationException("index 3");
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
