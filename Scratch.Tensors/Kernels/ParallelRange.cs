using System.Runtime.ExceptionServices;

namespace Scratch.Tensors.Kernels;

/// <summary>Work over the items [from, to) of a range; a struct that holds arrays or <see cref="Memory{T}"/> (not spans), so it can cross threads.</summary>
internal interface IRangeBody
{
    void Run(int from, int to);
}

/// <summary>
/// A parallel loop over [0, count) that allocates nothing once warm: the range is cut into one fixed part per
/// thread, the calling thread runs the first part and pool threads the others, through work items made once per
/// calling thread and reused (<c>Parallel.For</c> allocates its bookkeeping on every call).
/// </summary>
/// <remarks>
/// The bodies used here compute every item the same way whichever thread runs it, so results do not depend on the
/// thread count. A part that no pool thread has started when the caller is done with its own is run by the caller
/// itself, so a busy or starved pool only slows the loop down, never blocks it.
/// </remarks>
internal static class ParallelRange
{
    /// <summary>Threads a loop may use (1: everything on the calling thread). Tests set 1 and 2 to compare the results.</summary>
    public static int MaxThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Below this many elements touched in total, a loop runs on the calling thread (a pool hand-off costs a few µs).</summary>
    public const long MinParallelWork = 1 << 16;

    /// <summary>Runs <c>body.Run(from, to)</c> over parts covering [0, <paramref name="count"/>); in parallel when <paramref name="work"/> (elements touched) is large enough.</summary>
    public static void For<TBody>(int count, in TBody body, long work) where TBody : struct, IRangeBody
    {
        int threads = work < MinParallelWork ? 1 : Math.Min(MaxThreads, count);
        if (threads <= 1)
        {
            body.Run(0, count);
            return;
        }
        Part<TBody>[] parts = Part<TBody>.ForThisThread(threads);
        for (int t = 1; t < threads; t++)
            parts[t].Start(body, (int)((long)count * t / threads), (int)((long)count * (t + 1) / threads));
        body.Run(0, (int)((long)count / threads));
        for (int t = 1; t < threads; t++)
            parts[t].Finish();
    }

    /// <summary>One part of a loop, handed to the pool; made once per calling thread and part index.</summary>
    private sealed class Part<TBody> : IThreadPoolWorkItem where TBody : struct, IRangeBody
    {
        [ThreadStatic]
        private static Part<TBody>[]? t_parts;

        private readonly ManualResetEventSlim _done = new(false);
        private TBody _body;
        private int _from, _to;
        private int _claimed = 1;            // 0 while the part waits for a thread; whoever sets it to 1 runs the part
        private ExceptionDispatchInfo? _error;

        public static Part<TBody>[] ForThisThread(int threads)
        {
            Part<TBody>[]? parts = t_parts;
            if (parts is null || parts.Length < threads)
            {
                parts = new Part<TBody>[threads];
                for (int i = 0; i < threads; i++) parts[i] = new Part<TBody>();
                t_parts = parts;
            }
            return parts;
        }

        public void Start(in TBody body, int from, int to)
        {
            _body = body;
            (_from, _to) = (from, to);
            _error = null;
            _done.Reset();
            Volatile.Write(ref _claimed, 0);
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        /// <summary>Runs the part here unless a pool thread took it, then waits for it and rethrows its exception.</summary>
        public void Finish()
        {
            if (Interlocked.Exchange(ref _claimed, 1) == 0)
                _body.Run(_from, _to);
            else
                _done.Wait();
            _error?.Throw();
        }

        void IThreadPoolWorkItem.Execute()
        {
            if (Interlocked.Exchange(ref _claimed, 1) != 0)
                return;                      // the caller ran it already (or this is a stale queue entry)
            try
            {
                _body.Run(_from, _to);
            }
            catch (Exception e)
            {
                _error = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                _done.Set();
            }
        }
    }
}
