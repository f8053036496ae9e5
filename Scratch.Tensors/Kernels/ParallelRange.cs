using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Scratch.Tensors.Kernels;

/// <summary>Work over the items [from, to) of a range; a struct that holds arrays or <see cref="Memory{T}"/> (not spans), so it can cross threads.</summary>
internal interface IRangeBody
{
    void Run(int from, int to);
}

/// <summary>
/// A parallel loop over [0, count) that allocates nothing once warm: the range is cut into one fixed part per
/// thread, the calling thread runs the first part and worker threads the others, through work items made once per
/// calling thread and reused (<c>Parallel.For</c> allocates its bookkeeping on every call, and even the thread pool's
/// queue allocates now and then, so the workers are this class's own: ProcessorCount − 1 background threads).
/// </summary>
/// <remarks>
/// The bodies used here compute every item the same way whichever thread runs it, so results do not depend on the
/// thread count. A part that no worker has started when the caller is done with its own is run by the caller
/// itself, so busy workers (several callers at once) only slow a loop down, never block it.
/// <para>
/// A loop started inside a part of another (a convolution's chunk of images calling a GEMM that is large enough to go
/// parallel) runs on the thread that starts it: the outer loop already keeps every thread busy, and the per-thread state
/// a loop reuses (its claim counter, its work items) belongs to the outer loop then. Sharing it made the inner loop
/// reset the outer one's counter, so images were skipped (left at zero) or the loop never ended.
/// </para>
/// </remarks>
internal static class ParallelRange
{
    /// <summary>Threads a loop may use (1: everything on the calling thread). Tests set 1 and 2 to compare the results.</summary>
    public static int MaxThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Whether this thread is running a part of a parallel loop: the caller between its loop's start and end, and a worker always.</summary>
    [ThreadStatic]
    private static bool t_inLoop;

    /// <summary>Below this many elements touched in total, a loop runs on the calling thread (a pool hand-off costs a few µs).</summary>
    public const long MinParallelWork = 1 << 16;

    /// <summary>Runs <c>body.Run(from, to)</c> over parts covering [0, <paramref name="count"/>); in parallel when <paramref name="work"/> (elements touched) is large enough.</summary>
    public static void For<TBody>(int count, in TBody body, long work) where TBody : struct, IRangeBody
    {
        int threads = Threads(count, work);
        if (threads <= 1)
        {
            body.Run(0, count);
            return;
        }
        Part<TBody>[] parts = Part<TBody>.ForThisThread(threads);
        ExceptionDispatchInfo? error = null;
        t_inLoop = true;
        for (int t = 1; t < threads; t++)
            parts[t].Start(body, (int)((long)count * t / threads), (int)((long)count * (t + 1) / threads));
        try
        {
            body.Run(0, (int)((long)count / threads));
        }
        catch (Exception e)
        {
            error = ExceptionDispatchInfo.Capture(e);
        }
        for (int t = 1; t < threads; t++)   // every part ends before the loop does, even after an error: the parts are reused
        {
            try
            {
                parts[t].Finish();
            }
            catch (Exception e)
            {
                error ??= ExceptionDispatchInfo.Capture(e);
            }
        }
        t_inLoop = false;
        error?.Throw();
    }

    /// <summary>Threads for a loop of <paramref name="count"/> items touching <paramref name="work"/> elements: 1 when small, or when this thread already runs a loop's part.</summary>
    private static int Threads(int count, long work) => work < MinParallelWork || t_inLoop ? 1 : Math.Min(MaxThreads, count);

    /// <summary>
    /// Runs <c>body(i)</c> for every i in [0, <paramref name="count"/>) on up to <see cref="MaxThreads"/> threads, each
    /// thread taking the next index when it finishes one (so a thread slowed by another process gets help): the
    /// allocation-free replacement of <c>Parallel.For(0, count, body)</c> for a cached delegate.
    /// </summary>
    public static void ForEach(int count, Action<int> body)
    {
        int threads = Threads(count, long.MaxValue);
        if (threads <= 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Claims claims = t_claims ??= new Claims();
        (claims.Next, claims.Count, claims.Body) = (0, count, body);
        For(threads, new ClaimBody(claims), long.MaxValue);
        claims.Body = null;
    }

    /// <summary>
    /// Runs <c>body.Run(i, i + 1)</c> for every i in [0, <paramref name="count"/>), in parallel when <paramref name="work"/>
    /// is large enough, each thread taking the next index when it finishes one: for a few dozen costly items (a
    /// convolution's chunks of images), where a thread slowed by another process should get help rather than finish
    /// its fixed half late.
    /// </summary>
    public static void ForEachClaimed<TBody>(int count, in TBody body, long work) where TBody : struct, IRangeBody
    {
        int threads = Threads(count, work);
        if (threads <= 1)
        {
            body.Run(0, count);
            return;
        }
        Counter next = t_counter ??= new Counter();
        next.Value = 0;
        For(threads, new ClaimedBody<TBody>(body, next, count), long.MaxValue);
    }

    /// <summary>Compiles the wait of a <see cref="ForEach"/> caller for the part a worker took, now rather than at the first loop that needs it.</summary>
    /// <remarks>The warm-up's products rarely make their caller wait, so the first large product used to compile it (0.3 ms).</remarks>
    internal static void CompileWait() =>
        RuntimeHelpers.PrepareMethod(typeof(Part<ClaimBody>).GetMethod(nameof(Part<ClaimBody>.WaitDone), BindingFlags.Instance | BindingFlags.NonPublic)!.MethodHandle,
            [typeof(ClaimBody).TypeHandle]);

    [ThreadStatic]
    private static Counter? t_counter;

    /// <summary>The next index of a <see cref="ForEachClaimed"/>.</summary>
    private sealed class Counter
    {
        public int Value;
    }

    /// <summary>One thread's share of a <see cref="ForEachClaimed"/>: take indices until none is left.</summary>
    private readonly struct ClaimedBody<TBody>(TBody body, Counter next, int count) : IRangeBody where TBody : struct, IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = Interlocked.Increment(ref next.Value) - 1; i < count; i = Interlocked.Increment(ref next.Value) - 1)
                body.Run(i, i + 1);
        }
    }

    [ThreadStatic]
    private static Claims? t_claims;

    /// <summary>The shared state of one <see cref="ForEach"/>: the next index to take.</summary>
    private sealed class Claims
    {
        public int Next, Count;
        public Action<int>? Body;
    }

    /// <summary>One thread's share of a <see cref="ForEach"/>: take indices until none is left.</summary>
    private readonly struct ClaimBody(Claims claims) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = Interlocked.Increment(ref claims.Next) - 1; i < claims.Count; i = Interlocked.Increment(ref claims.Next) - 1)
                claims.Body!(i);
        }
    }

    /// <summary>One part of a loop, handed to the pool; made once per calling thread and part index.</summary>
    private sealed class Part<TBody> : IWorkItem where TBody : struct, IRangeBody
    {
        [ThreadStatic]
        private static Part<TBody>[]? t_parts;

        private readonly object _gate = new();   // Monitor.Wait/PulseAll on it (a ManualResetEventSlim allocates at its first blocking wait)
        private bool _done;
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
            _done = false;
            Volatile.Write(ref _claimed, 0);
            Workers.Post(this);
        }

        /// <summary>Runs the part here unless a pool thread took it, then waits for it and rethrows its exception.</summary>
        public void Finish()
        {
            if (Interlocked.Exchange(ref _claimed, 1) == 0)
                _body.Run(_from, _to);
            else
                WaitDone();
            _error?.Throw();
        }

        /// <summary>Spins briefly (a part usually ends within microseconds of the caller's), then sleeps until the part is done.</summary>
        internal void WaitDone()   // internal for CompileWait
        {
            var spinner = new SpinWait();
            while (!Volatile.Read(ref _done) && !spinner.NextSpinWillYield)
                spinner.SpinOnce();
            lock (_gate)
                while (!_done)
                    Monitor.Wait(_gate);
        }

        void IWorkItem.Execute()
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
                lock (_gate)
                {
                    _done = true;
                    Monitor.PulseAll(_gate);
                }
            }
        }
    }

    /// <summary>Something a worker thread runs.</summary>
    private interface IWorkItem
    {
        void Execute();
    }

    /// <summary>The worker threads and their queue: a fixed ring under one lock, so posting allocates nothing.</summary>
    private static class Workers
    {
        private static readonly object Gate = new();
        private static readonly IWorkItem?[] Ring = new IWorkItem?[256];
        private static int _head, _count;
        private static bool _started;

        /// <summary>Queues <paramref name="item"/> for a worker; when the ring is full it is dropped (its caller runs it).</summary>
        public static void Post(IWorkItem item)
        {
            lock (Gate)
            {
                if (!_started) Start();
                if (_count == Ring.Length) return;
                Ring[(_head + _count) % Ring.Length] = item;
                _count++;
                Monitor.Pulse(Gate);
            }
        }

        private static void Start()
        {
            for (int i = 0; i < Math.Max(1, Environment.ProcessorCount - 1); i++)
                new Thread(Work) { IsBackground = true, Name = "Scratch kernel worker" }.Start();
            _started = true;
        }

        /// <summary>
        /// How long an idle worker keeps looking for work before it sleeps. Waking a sleeping thread took 20-70 µs on
        /// the 2-core virtual machine (often more under load), a large part of a small GEMM such as the MLP's
        /// (100, 784)·(784, 100) at ~60 µs per thread; a training step's kernels follow each other closely enough for
        /// the worker to be still awake for the next one.
        /// </summary>
        private const int SpinMicroseconds = 100;

        private static void Work()
        {
            t_inLoop = true;   // a worker only ever runs loop parts
            while (true)
            {
                IWorkItem item;
                long spinUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
                var spinner = new SpinWait();
                while (Volatile.Read(ref _count) == 0 && Stopwatch.GetTimestamp() < spinUntil)
                    spinner.SpinOnce(sleep1Threshold: -1);   // spins, yielding now and then, never sleeps
                lock (Gate)
                {
                    while (_count == 0) Monitor.Wait(Gate);
                    item = Ring[_head]!;
                    Ring[_head] = null;
                    _head = (_head + 1) % Ring.Length;
                    _count--;
                }
                item.Execute();
            }
        }
    }
}
