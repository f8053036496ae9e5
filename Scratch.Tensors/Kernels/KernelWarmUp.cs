namespace Scratch.Tensors.Kernels;

/// <summary>
/// Compiles the GEMM path on a background thread as soon as the library is first used, so that the first large
/// <c>MatMul</c> runs at nearly its steady speed instead of waiting for the JIT.
/// </summary>
/// <remarks>
/// The GEMM driver and its micro-kernel are <c>[AggressiveOptimization]</c>: compiled fully optimized at their first
/// call, which on the 2-core AVX-512 machine took ~21 ms of a first 1024³ product (~35 ms against ~10 ms once warm),
/// plus ~5 ms to start the kernel's worker threads. ReadyToRun does not help (such methods and AVX-512 code are
/// compiled at run time anyway). Here two small products (<see cref="RunSmallProducts"/>) run through
/// <see cref="NDArray.MatMul"/> on a background thread: that compiles everything a first real product needs, with the
/// tile this machine uses, and starts the workers of <see cref="ParallelRange"/>.
/// <para>
/// It changes no result (the kernels keep no state between calls but pooled buffers, which every call overwrites, and
/// their split over threads does not change any sum). It only helps when there is time between the library's first use
/// and the first large product: it takes 30-45 ms on that machine. Measured in fresh processes alternating with the
/// library without it (first 1024³ product against the fastest of the next 12, steady 10 ms): after 55-65 ms spent
/// making random inputs, 41 → 13-15 ms (0.25 → 0.69-0.73 of the steady speed); after 40 ms, 41-43 → 13.5-15 ms
/// (0.65-0.67); after 20 ms, 40-42 → 22-28 ms; after 10 ms, about the same; and a product that starts at once is
/// 4-8 ms slower (39-41 → 45-47 ms): it and the warm-up compile the same methods and share the two cores. Starting
/// the thread costs the first use of NDArray about 2 ms (0.8 → 2-3 ms).
/// </para>
/// <para>
/// After the products it makes ready what a first large product would otherwise pay for: the packed panels' memory
/// (<see cref="GemmBlocked.ReservePackBuffers"/>, 5 MiB kept from then on, on the 2-core machine; each new page cost
/// ~1.7 µs to fault, 1.5-2 ms of a first 1024³ product) and the last two methods that product compiled (a getter and the
/// wait for a worker, 0.5 ms together). Measured as above (random inputs, then the first 1024³ product against the fastest of the next 12),
/// medians of 9 fresh processes, four such batches alternating with the previous warm-up: 0.64-0.70 → 0.72-0.80 of the
/// steady speed (against the median of the next 12: 0.69-0.74 → 0.81-0.83). What is left is mostly the new C: its
/// pages are the caller's, faulted as the product writes them (1,050 faults, ~1.7 ms); with a C written before, the
/// first product ran at 0.83 of the fastest (0.93 of the median).
/// The AppContext switch <see cref="DisableSwitch"/> turns the automatic start off; <see cref="Gemm.WarmUpAsync"/>
/// still runs it on request.
/// </para>
/// </remarks>
internal static class KernelWarmUp
{
    /// <summary>The <see cref="AppContext"/> switch that keeps the warm-up from starting by itself.</summary>
    public const string DisableSwitch = "Scratch.Tensors.DisableKernelWarmUp";

    private static readonly Lock Gate = new();
    private static TaskCompletionSource? _done;   // made when the warm-up starts; completes when it has run (or failed)

    /// <summary>Starts the warm-up on a background thread unless <see cref="DisableSwitch"/> is set or it has started already.</summary>
    /// <remarks>Called from <see cref="NDArray"/>'s static constructor: it never throws, and it does nothing else on the caller's thread.</remarks>
    public static void StartInBackground()
    {
        try
        {
            if (!(AppContext.TryGetSwitch(DisableSwitch, out bool disabled) && disabled))
                Start();
        }
        catch (Exception)
        {
            // Nothing to report: without the warm-up, the first product compiles the kernels itself.
        }
    }

    /// <summary>The warm-up, started now (whatever the switch says) unless it has started already; completes when it has run.</summary>
    /// <remarks>The task never faults: a failure inside the warm-up only means that the first real product compiles the kernels itself.</remarks>
    public static Task RunAsync() => Start();

    /// <summary>Whether the warm-up has been started in this process (by the first use of <see cref="NDArray"/> or by <see cref="RunAsync"/>).</summary>
    public static bool HasStarted
    {
        get
        {
            lock (Gate)
                return _done is not null;
        }
    }

    /// <summary>Starts the warm-up thread the first time; every call (from any thread) returns the warm-up's task.</summary>
    private static Task Start()
    {
        lock (Gate)
        {
            if (_done is null)
            {
                _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                try
                {
                    new Thread(Run) { IsBackground = true, Priority = ThreadPriority.BelowNormal, Name = "Scratch kernel warm-up" }.Start();
                }
                catch (Exception)
                {
                    _done.TrySetResult();   // no thread on this platform (or no memory for one): nothing will run, nobody waits
                }
            }
            return _done.Task;
        }
    }

    private static void Run()
    {
        try
        {
            RunSmallProducts();
            GemmBlocked.ReservePackBuffers();
            ParallelRange.CompileWait();
            _ = Gemm.Default;   // compiles its getter, which every NDArray.MatMul reads
        }
        catch (Exception)
        {
            // Nothing to report: the first real product compiles what this did not.
        }
        finally
        {
            _done!.TrySetResult();
        }
    }

    /// <summary>
    /// Two products, the way a user calls them: a small one on this thread, then one split over the cores; between them,
    /// the small one again on the tall tile.
    /// </summary>
    /// <remarks>
    /// The first, (36, 16)·(16, 36), is too small to be split: it compiles the whole path on this thread, edge tiles
    /// included (36 = 32 + 4 rows and columns; 36 = 2·16 + 4 and 6·6 on the 6×16 tile), and A is a transposed view as
    /// in a layer's backward pass (<c>.T</c> alone took 3-4 ms to compile). Only then does the second,
    /// (256, 128)·(128, 256) with 2²³ multiply-adds (<see cref="GemmBlocked.ParallelMinMultiplyAdds"/>), start the worker
    /// threads and compile the parallel loop, so the warm-up never occupies more than one core for long. A single
    /// (260, 132)·(132, 260) product, compiling in a worker too, left less of the machine to the program: its first
    /// 1024³ product after 55 ms of other work ran at 0.56 of the steady speed instead of 0.69.
    /// Large products take the 12×32 tile (<see cref="GemmBlocked.PrefersTallTile"/>), which no small product would: the
    /// small one is run again on it, forced (36 = 3·12 rows).
    /// <see cref="GemmKernel.Auto"/> is named so that a <see cref="Gemm.Default"/> set by the user does not matter.
    /// Each takes about 0.3 ms once compiled.
    /// </remarks>
    internal static void RunSmallProducts()
    {
        NDArray.MatMul(NDArray.Ones(16, 36).T, NDArray.Ones(16, 36), into: NDArray.Zeros(36, 36), kernel: GemmKernel.Auto);
        if (GemmBlocked.IsSupported(GemmTile.Vector512Tall))
        {
            float[] a = new float[36 * 16], b = new float[16 * 36], c = new float[36 * 36];
            GemmBlocked.Multiply(36, 36, 16, a, 16, 1, b, 36, 1, c, 36, accumulate: false, [], [], relu: false, maxThreads: 1, GemmTile.Vector512Tall);
        }
        NDArray.MatMul(NDArray.Ones(256, 128), NDArray.Ones(128, 256), into: NDArray.Zeros(256, 256), kernel: GemmKernel.Auto);
    }
}
