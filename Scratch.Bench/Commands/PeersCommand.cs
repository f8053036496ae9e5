using System.CommandLine;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Bench.Commands;

/// <summary><c>peers</c>: the same workloads in Scratch, NumPy and PyTorch, timed side by side in one run.</summary>
/// <remarks>
/// The peers run in one long-lived Python process (<c>Peers/worker.py</c>, started with <c>/usr/bin/python3</c>)
/// that answers one timing request at a time, so Scratch's samples and the peers' alternate and a burst of load
/// from another process hits all of them alike; each time is the median of its samples, and each ratio the median of
/// the samples' ratios (a peer's time over Scratch's time in the same sample).
/// </remarks>
internal static partial class PeersCommand
{
    private const string Install = "apt-get install python3-numpy python3-torch libopenblas0-pthread";

    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "fewer shapes and samples, epochs of 1,000 digits (well under a minute)" };
        var json = new Option<string?>("--json") { Description = "also write the table to this JSON file" };
        var python = new Option<string>("--python") { Description = "the Python with NumPy and PyTorch", DefaultValueFactory = _ => "/usr/bin/python3" };
        var filter = new Option<string?>("--filter") { Description = "only the workloads whose name contains this text (e.g. sgemm, conv, epoch)" };
        var command = new Command("peers", "Time sgemm, convolutions and training epochs in Scratch, NumPy and PyTorch side by side.") { quick, json, python, filter };
        command.SetAction(result => Program.Guarded(() =>
            Run(result.GetValue(quick), result.GetValue(json), result.GetValue(python)!, result.GetValue(filter))));
        return command;
    }

    /// <summary>One row of the table: what Scratch runs and what the peers are asked to run.</summary>
    /// <param name="Name">Workload as printed.</param>
    /// <param name="OneThread">Every implementation limited to one thread (else: each with its default, all cores).</param>
    /// <param name="Flops">Floating-point operations of one call, 0 when not counted.</param>
    /// <param name="Scratch">Builds the operands and returns one call (an epoch workload returns one epoch).</param>
    /// <param name="Peer">The worker request without lib and threads.</param>
    /// <param name="NumPy">Whether NumPy has this workload.</param>
    /// <param name="Samples">Interleaved samples per implementation.</param>
    private sealed record Workload(string Name, bool OneThread, double Flops, Func<Func<double>> Scratch, JsonObject Peer, bool NumPy, int Samples);

    /// <summary>A printed and saved row: seconds per call (NaN when not run).</summary>
    private sealed record Row(string Workload, string Threads, double Scratch, double NumPy, double PyTorch1, double PyTorchAll,
        string BestPeer, double Ratio, double ScratchGflops, double PeakShare);

    private static int Run(bool quick, string? jsonPath, string python, string? filter)
    {
        int cores = Environment.ProcessorCount;
        double minTime = quick ? 0.03 : 0.1;
        using PeerWorker? worker = PeerWorker.Start(python, out string? why);
        JsonObject? info = worker?.Ask(new JsonObject { ["op"] = "info" });
        bool hasTorch = info?["torch"] is not null;

        string cpu = CpuName();
        Console.WriteLine($"Scratch vs peers on {cpu} ({cores} cores), .NET {Environment.Version}, GEMM tile {GemmTileName()}");
        if (worker is null || info is null)
            Console.WriteLine($"Peers not available ({why}); Scratch alone. To compare, install them: {Install}");
        else
        {
            Console.WriteLine($"NumPy {info["numpy"]} on {info["openblas"] ?? "an unknown BLAS"}" +
                (hasTorch ? $"; PyTorch {info["torch"]}{((bool?)info["onednn"] == true ? " with oneDNN" : "")}" : $"; no PyTorch ({Install})"));
            if ((bool?)info["threads_controlled"] != true)
                Console.WriteLine("  libopenblas.so.0 not found: the peers' BLAS thread count is not controlled.");
            if ((string?)info["openblas_core"] is "Prescott" or "Core2" or "Nehalem" or "Sandybridge" && (Avx512F.IsSupported || Fma.IsSupported))
                Console.WriteLine($"  This OpenBLAS does not recognise the CPU and runs its {info["openblas_core"]} kernels; " +
                    $"OPENBLAS_CORETYPE={(Avx512F.IsSupported ? "SkylakeX" : "Haswell")} in the environment makes it use its {(Avx512F.IsSupported ? "AVX-512" : "AVX2")} ones.");
        }
        (double peak1, double peakAll) = (FmaPeak(1), FmaPeak(cores));
        Console.WriteLine($"FMA peak measured now (C# {FmaWidth()} FMA chains): 1 thread {peak1:F0} GFLOP/s, {cores} threads {peakAll:F0} GFLOP/s");
        Console.WriteLine("Medians of interleaved samples; ratio = the median, sample by sample, of the best peer's time / Scratch's");
        Console.WriteLine("time (above 1: Scratch is faster).");
        if (ThreadClock.IsAvailable)
            Console.WriteLine("One-thread rows count the thread's CPU time (robust to other processes); the others wall time.");
        Console.WriteLine();

        var rows = new List<Row>();
        var table = new TextTable(["workload", "threads", "Scratch", "NumPy", "PyTorch 1T", $"PyTorch {cores}T", "best peer", "ratio", "GFLOP/s", "of peak"]);
        table.PrintHeader();
        foreach (Workload w in Workloads(quick).Where(w => filter is null || w.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)))
        {
            Row row = Measure(w, info is null ? null : worker, hasTorch, cores, minTime, w.OneThread ? peak1 : peakAll);
            rows.Add(row);
            table.PrintRow([row.Workload, row.Threads, Time(row.Scratch), Time(row.NumPy), Time(row.PyTorch1), Time(row.PyTorchAll),
                row.BestPeer, double.IsNaN(row.Ratio) ? "–" : $"{row.Ratio:F2}×",
                double.IsNaN(row.ScratchGflops) ? "–" : $"{row.ScratchGflops:F1}", double.IsNaN(row.PeakShare) ? "–" : $"{row.PeakShare * 100:F0}%"]);
        }
        if (jsonPath is not null)
        {
            WriteJson(jsonPath, cpu, cores, info, peak1, peakAll, quick, rows);
            Console.WriteLine($"\nwrote {jsonPath}");
        }
        return 0;
    }

    private static Row Measure(Workload w, PeerWorker? worker, bool hasTorch, int cores, double minTime, double peak)
    {
        bool hasPeers = worker is not null;
        Func<double> scratch = w.Scratch();
        scratch();                                                     // warm-up: JIT, buffers
        // Each peer's times, and each over Scratch's time in the same sample: paired, a slow phase of the shared machine
        // lands on both sides of a ratio rather than on one side of a median.
        var columns = new List<(string Lib, int Threads, List<double> Times, List<double> Ratios)>();
        if (hasPeers && w.NumPy) columns.Add(("numpy", w.OneThread ? 1 : cores, [], []));
        if (hasPeers && hasTorch) columns.Add(("torch", 1, [], []));
        if (hasPeers && hasTorch && !w.OneThread && cores > 1) columns.Add(("torch", cores, [], []));
        var scratchTimes = new List<double>();
        for (int sample = 0; sample < w.Samples; sample++)
        {
            if (hasPeers && !w.OneThread)
                Thread.Sleep(PeerSpinPause);
            scratchTimes.Add(Repeat(scratch, minTime, isEpoch: w.Flops == 0, threadClock: w.OneThread && ThreadClock.IsAvailable));
            foreach (var (lib, threads, times, ratios) in columns)
            {
                JsonObject request = w.Peer.DeepClone().AsObject();
                request["lib"] = lib;
                request["threads"] = threads;
                request["min_time"] = minTime;
                request["clock"] = w.OneThread && ThreadClock.IsAvailable ? "thread" : "wall";
                if (worker?.Ask(request)?["seconds"]?.GetValue<double>() is double seconds)
                {
                    times.Add(seconds);
                    ratios.Add(seconds / scratchTimes[^1]);
                }
            }
        }
        string PeerName(string lib, int threads) => lib == "numpy" ? "NumPy" : $"PyTorch {threads}T";
        double Median(string lib, int threads) =>
            columns.Where(c => c.Lib == lib && c.Threads == threads).Select(c => MedianOf(c.Times)).DefaultIfEmpty(double.NaN).First();
        double s = MedianOf(scratchTimes);
        double numpy = Median("numpy", w.OneThread ? 1 : cores), torch1 = Median("torch", 1), torchAll = w.OneThread ? double.NaN : Median("torch", cores);
        // The best peer is the one with the lowest median ratio: the fastest against Scratch, sample by sample.
        var peers = columns.Where(c => c.Ratios.Count > 0).Select(c => (Name: PeerName(c.Lib, c.Threads), Ratio: MedianOf(c.Ratios))).ToList();
        (string best, double ratio) = peers.Count == 0 ? ("–", double.NaN) : peers.MinBy(p => p.Ratio);
        double gflops = w.Flops > 0 ? w.Flops / s / 1e9 : double.NaN;
        return new Row(w.Name, w.OneThread ? "1" : "all", s, numpy, torch1, torchAll, best, ratio, gflops, gflops / peak);
    }

    /// <summary>How long a multi-threaded Scratch sample waits after the peers' last request.</summary>
    /// <remarks>
    /// OpenBLAS's pool threads (NumPy's, and PyTorch's on Debian) keep spinning for about 2²⁸ cycles (~0.1 s) after a
    /// call: measured, the Python process used 52-73 ms of CPU in the 0.3 s after a 2-thread 1024³ product, none
    /// after a 1-thread one. A Scratch sample started at once ran its first ~0.1 s with one core taken by that
    /// spinning thread, which made Scratch's 2-thread speed-up look like 1.3× where PyTorch's (whose own pool reuses
    /// the spinning thread) was 1.8×. The one-thread rows count thread CPU time and need no pause.
    /// </remarks>
    private static readonly TimeSpan PeerSpinPause = TimeSpan.FromSeconds(0.25);

    /// <summary>Mean seconds of one call over repetitions lasting at least <paramref name="minTime"/> (one call for an epoch).</summary>
    /// <remarks>With <paramref name="threadClock"/>, the calling thread's CPU time rather than wall time.</remarks>
    private static double Repeat(Func<double> call, double minTime, bool isEpoch, bool threadClock)
    {
        if (isEpoch)
            return call();
        Func<double> now = threadClock ? ThreadClock.Seconds : () => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        double start = now();
        call();
        int reps = Math.Max(1, (int)(minTime / Math.Max(now() - start, 1e-7)));
        start = now();
        for (int r = 0; r < reps; r++)
            call();
        return (now() - start) / reps;
    }

    /// <summary>The calling thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), which does not run while another process has the core.</summary>
    private static partial class ThreadClock
    {
        public static bool IsAvailable { get; } = OperatingSystem.IsLinux();

        public static double Seconds()
        {
            ClockGetTime(3, out Timespec ts);   // CLOCK_THREAD_CPUTIME_ID
            return ts.Seconds + ts.Nanoseconds * 1e-9;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct Timespec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [LibraryImport("libc", EntryPoint = "clock_gettime")]
        private static partial int ClockGetTime(int clock, out Timespec time);
    }

    private static double MedianOf(List<double> xs)
    {
        if (xs.Count == 0)
            return double.NaN;
        var sorted = xs.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The workloads
    // ---------------------------------------------------------------------------------------------------------

    private static IEnumerable<Workload> Workloads(bool quick)
    {
        int samples = quick ? 3 : 5;
        int[] squares = quick ? [256, 1024] : [256, 512, 1024, 2048];
        foreach (bool oneThread in new[] { true, false })
            foreach (int n in squares)
                yield return Gemm($"sgemm {n}³", n, n, n, "NN", oneThread, samples);
        // The training GEMMs (M·K·N): MultiLayerNetExtend's first layer forward, dW and dx; SimpleConvNet's and
        // DeepConvNet's im2col products for a batch of 100, and one image of DeepConvNet's second convolution.
        var shapes = new (string Name, int M, int K, int N, string Layout)[]
        {
            ("mlp x·W 100·784·100", 100, 784, 100, "NN"),
            ("mlp xᵀ·dy 784·100·100", 784, 100, 100, "TN"),
            ("mlp dy·Wᵀ 100·100·784", 100, 100, 784, "NT"),
            ("conv col·W 57600·25·30", 57600, 25, 30, "NN"),
            ("conv col·W 78400·144·16", 78400, 144, 16, "NN"),
            ("conv W·col 16·144·784", 16, 144, 784, "NN"),
        };
        foreach (bool oneThread in new[] { true, false })
            foreach (var s in quick ? shapes.Where((_, i) => i % 2 == 0) : shapes)
                yield return Gemm(s.Name, s.M, s.K, s.N, s.Layout, oneThread, samples);

        var convs = new (string Name, int C, int H, int FN, int FH, int Pad)[]
        {
            ("SimpleConvNet conv 1→30 5×5", 1, 28, 30, 5, 0),
            ("DeepConvNet conv1 1→16 3×3", 1, 28, 16, 3, 1),
            ("DeepConvNet conv2 16→16 3×3", 16, 28, 16, 3, 1),
            ("DeepConvNet conv3 16→32 3×3", 16, 14, 32, 3, 1),
            ("DeepConvNet conv4 32→32 3×3", 32, 14, 32, 3, 2),
            ("DeepConvNet conv5 32→64 3×3", 32, 8, 64, 3, 1),
            ("DeepConvNet conv6 64→64 3×3", 64, 8, 64, 3, 1),
        };
        foreach (var c in quick ? convs.Where((_, i) => i is 0 or 2) : convs)
            yield return Conv(c.Name + " f+b", c.C, c.H, c.FN, c.FH, c.Pad, samples);

        // Three samples of each epoch: with two, the median was the mean of both, and one slow epoch (the shared machine's
        // DeepConvNet epochs ran 2.4-3.5 s in one sitting) moved the ratio by half its delay.
        int images = quick ? 1000 : 8000;
        yield return Epoch("SimpleConvNet epoch", "simpleconv", images, numpy: true, quick ? 1 : 3);
        yield return Epoch("DeepConvNet epoch", "deepconv", images, numpy: false, quick ? 1 : 3);
        yield return Epoch("MultiLayerNetExtend epoch", "mlp", images, numpy: true, quick ? 1 : 3);
    }

    /// <summary>C = A·B for (m, k)·(k, n); layout TN reads A as a transposed (k, m) array, NT reads B as a transposed (n, k) one.</summary>
    private static Workload Gemm(string name, int m, int k, int n, string layout, bool oneThread, int samples) =>
        new(name, oneThread, 2.0 * m * n * k, () =>
        {
            NDArray a = layout == "TN" ? NDArray.RandomNormal([k, m], 0, 1, 1).T : NDArray.RandomNormal([m, k], 0, 1, 1);
            NDArray b = layout == "NT" ? NDArray.RandomNormal([n, k], 0, 1, 2).T : NDArray.RandomNormal([k, n], 0, 1, 2);
            NDArray c = NDArray.Zeros(m, n);
            if (!oneThread || Scratch.Tensors.Kernels.Gemm.Choose(m, n, k) != GemmKernel.Blocked)
                return () => { NDArray.MatMul(a, b, into: c); return 0; };   // as a user calls it; the other kernels use one thread
            // The operands in the workload's layout, as the peers get them: TN reads A (stored (k, m)) with row stride 1,
            // NT reads B (stored (n, k)) with column stride k, as the MLP's backward products do.
            float[] aData = (layout == "TN" ? a.T : a).Contiguous().ToArray(), bData = (layout == "NT" ? b.T : b).Contiguous().ToArray();
            (int aRs, int aCs) = layout == "TN" ? (1, m) : (k, 1);
            (int bRs, int bCs) = layout == "NT" ? (1, k) : (n, 1);
            float[] cData = new float[m * n];
            return () =>
            {
                GemmBlocked.Multiply(m, n, k, aData, aRs, aCs, bData, bRs, bCs, cData, n, accumulate: false, [], [], relu: false, maxThreads: 1);
                return 0;
            };
        }, new JsonObject { ["op"] = "gemm", ["m"] = m, ["k"] = k, ["n"] = n, ["layout"] = layout }, NumPy: true, samples);

    /// <summary>Forward and backward (dx, dW, db) of one convolution layer on a batch of 100.</summary>
    private static Workload Conv(string name, int channels, int size, int filters, int filterSize, int pad, int samples)
    {
        int outSize = size + 2 * pad - filterSize + 1;
        double flops = 3 * 2.0 * 100 * outSize * outSize * filters * channels * filterSize * filterSize;   // forward, dx and dW
        return new(name, false, flops, () =>
        {
            var layer = new Convolution(NDArray.RandomNormal([filters, channels, filterSize, filterSize], 0, 0.1, 1),
                NDArray.RandomNormal([filters], 0, 0.1, 2), stride: 1, pad: pad);
            NDArray x = NDArray.RandomNormal([100, channels, size, size], 0, 1, 3);
            NDArray dout = NDArray.RandomNormal([100, filters, outSize, outSize], 0, 1, 4);
            return () =>
            {
                layer.Forward(x, training: true);
                layer.Backward(dout);
                return 0;
            };
        }, new JsonObject { ["op"] = "conv", ["c"] = channels, ["h"] = size, ["fn"] = filters, ["fh"] = filterSize, ["pad"] = pad, ["batch"] = 100 },
        NumPy: true, samples);
    }

    /// <summary>One training epoch of batch 100 with Adam on the first <paramref name="images"/> embedded digits; returns its seconds.</summary>
    private static Workload Epoch(string name, string network, int images, bool numpy, int samples) =>
        new(name, false, 0, () =>
        {
            var ((xTrain, tTrain), (xTest, tTest)) = Mnist.LoadEmbedded(normalize: true, flatten: network == "mlp");
            (xTrain, tTrain) = (xTrain.Slice(0, 0, images), tTrain.Slice(0, 0, images));
            (xTest, tTest) = (xTest.Slice(0, 0, 100), tTest.Slice(0, 0, 100));
            INetwork net = network switch
            {
                "simpleconv" => new SimpleConvNet(weightInit: WeightInit.He),
                "deepconv" => new DeepConvNet(),
                _ => new MultiLayerNetExtend(784, [100, 100, 100, 100], 10, weightInit: WeightInit.He, useDropout: true, dropoutRatio: 0.2f, useBatchnorm: true),
            };
            var optimizer = new Adam(1e-3f);
            // Warm-up, untimed: three steps.
            new Trainer(net, xTrain.Slice(0, 0, Math.Min(300, images)), tTrain.Slice(0, 0, Math.Min(300, images)), xTest, tTest,
                epochs: 1, miniBatchSize: 100, optimizer: optimizer, evaluateSampleNumPerEpoch: 100).Train();
            return () =>
            {
                double seconds = 0;
                var trainer = new Trainer(net, xTrain, tTrain, xTest, tTest, epochs: 1, miniBatchSize: 100, optimizer: optimizer,
                    evaluateSampleNumPerEpoch: 100);
                trainer.EpochCompleted += e => seconds = e.Seconds;
                trainer.Train();
                return seconds;
            };
        }, new JsonObject { ["op"] = "epoch", ["net"] = network, ["images"] = images }, numpy, samples);

    // ---------------------------------------------------------------------------------------------------------
    // The machine: CPU name, FMA peak
    // ---------------------------------------------------------------------------------------------------------

    private static string CpuName()
    {
        try
        {
            string? line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name")) : null;
            if (line is not null)
                return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string GemmTileName() =>
        GemmBlocked.IsSupported(GemmTile.Vector512) ? "8×32 and 12×32 Vector512 (AVX-512F)"
        : GemmBlocked.IsSupported(GemmTile.Vector256) ? "6×16 Vector256 (AVX2 + FMA)"
        : "4×8 Vector128";

    private static string FmaWidth() => Avx512F.IsSupported ? "AVX-512" : Fma.IsSupported ? "AVX2" : "Vector128";

    /// <summary>GFLOP/s of independent FMA chains on <paramref name="threads"/> threads at once: the arithmetic peak.</summary>
    /// <remarks>One thread is timed by its CPU time where available, as the one-thread rows are.</remarks>
    private static double FmaPeak(int threads)
    {
        const long iterations = 2_000_000;
        FmaChains(10_000);                                             // JIT
        var samples = new List<double>();
        for (int s = 0; s < 5; s++)
        {
            if (threads == 1 && ThreadClock.IsAvailable)
            {
                double start = ThreadClock.Seconds();
                FmaChains(iterations);
                samples.Add(ThreadClock.Seconds() - start);
                continue;
            }
            var clock = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() => FmaChains(iterations))).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
            samples.Add(clock.Elapsed.TotalSeconds);
        }
        return threads * iterations * FlopsPerIteration() / samples.Min() / 1e9;
    }

    private static double FlopsPerIteration() => 2.0 * 16 * (Avx512F.IsSupported ? 16 : Fma.IsSupported ? 8 : 4);

    /// <summary>16 independent multiply-add chains of the widest vectors the GEMM tile uses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float FmaChains(long iterations)
    {
        if (Avx512F.IsSupported)
        {
            Vector512<float> m = Vector512.Create(0.999f), a = Vector512.Create(0.001f);
            Vector512<float> c0 = m, c1 = m, c2 = m, c3 = m, c4 = m, c5 = m, c6 = m, c7 = m, c8 = m, c9 = m, c10 = m, c11 = m, c12 = m, c13 = m, c14 = m, c15 = m;
            for (long i = 0; i < iterations; i++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a); c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
                c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a); c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
                c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a); c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
                c12 = Vector512.FusedMultiplyAdd(c12, m, a); c13 = Vector512.FusedMultiplyAdd(c13, m, a); c14 = Vector512.FusedMultiplyAdd(c14, m, a); c15 = Vector512.FusedMultiplyAdd(c15, m, a);
            }
            return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15);
        }
        if (Fma.IsSupported)
        {
            Vector256<float> m = Vector256.Create(0.999f), a = Vector256.Create(0.001f);
            Vector256<float> c0 = m, c1 = m, c2 = m, c3 = m, c4 = m, c5 = m, c6 = m, c7 = m, c8 = m, c9 = m, c10 = m, c11 = m, c12 = m, c13 = m, c14 = m, c15 = m;
            for (long i = 0; i < iterations; i++)
            {
                c0 = Fma.MultiplyAdd(c0, m, a); c1 = Fma.MultiplyAdd(c1, m, a); c2 = Fma.MultiplyAdd(c2, m, a); c3 = Fma.MultiplyAdd(c3, m, a);
                c4 = Fma.MultiplyAdd(c4, m, a); c5 = Fma.MultiplyAdd(c5, m, a); c6 = Fma.MultiplyAdd(c6, m, a); c7 = Fma.MultiplyAdd(c7, m, a);
                c8 = Fma.MultiplyAdd(c8, m, a); c9 = Fma.MultiplyAdd(c9, m, a); c10 = Fma.MultiplyAdd(c10, m, a); c11 = Fma.MultiplyAdd(c11, m, a);
                c12 = Fma.MultiplyAdd(c12, m, a); c13 = Fma.MultiplyAdd(c13, m, a); c14 = Fma.MultiplyAdd(c14, m, a); c15 = Fma.MultiplyAdd(c15, m, a);
            }
            return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15);
        }
        Vector128<float> m4 = Vector128.Create(0.999f), a4 = Vector128.Create(0.001f);
        Vector128<float> d0 = m4, d1 = m4, d2 = m4, d3 = m4, d4 = m4, d5 = m4, d6 = m4, d7 = m4, d8 = m4, d9 = m4, d10 = m4, d11 = m4, d12 = m4, d13 = m4, d14 = m4, d15 = m4;
        for (long i = 0; i < iterations; i++)
        {
            d0 = Vector128.MultiplyAddEstimate(d0, m4, a4); d1 = Vector128.MultiplyAddEstimate(d1, m4, a4); d2 = Vector128.MultiplyAddEstimate(d2, m4, a4); d3 = Vector128.MultiplyAddEstimate(d3, m4, a4);
            d4 = Vector128.MultiplyAddEstimate(d4, m4, a4); d5 = Vector128.MultiplyAddEstimate(d5, m4, a4); d6 = Vector128.MultiplyAddEstimate(d6, m4, a4); d7 = Vector128.MultiplyAddEstimate(d7, m4, a4);
            d8 = Vector128.MultiplyAddEstimate(d8, m4, a4); d9 = Vector128.MultiplyAddEstimate(d9, m4, a4); d10 = Vector128.MultiplyAddEstimate(d10, m4, a4); d11 = Vector128.MultiplyAddEstimate(d11, m4, a4);
            d12 = Vector128.MultiplyAddEstimate(d12, m4, a4); d13 = Vector128.MultiplyAddEstimate(d13, m4, a4); d14 = Vector128.MultiplyAddEstimate(d14, m4, a4); d15 = Vector128.MultiplyAddEstimate(d15, m4, a4);
        }
        return Vector128.Sum(d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8 + d9 + d10 + d11 + d12 + d13 + d14 + d15);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Output
    // ---------------------------------------------------------------------------------------------------------

    private static string Time(double seconds) =>
        double.IsNaN(seconds) ? "–"
        : seconds >= 1 ? $"{seconds:F2} s"
        : seconds >= 1e-3 ? $"{seconds * 1e3:F2} ms"
        : $"{seconds * 1e6:F0} µs";

    /// <summary>A plain text table printed row by row as results arrive: first column left-aligned, the others right-aligned.</summary>
    private sealed class TextTable(string[] headers)
    {
        private readonly int[] _widths = headers.Select((h, i) => Math.Max(h.Length, i == 0 ? 30 : 10)).ToArray();

        public void PrintHeader()
        {
            PrintRow(headers);
            Console.WriteLine(new string('-', _widths.Sum() + 2 * (_widths.Length - 1)));
        }

        public void PrintRow(string[] cells) =>
            Console.WriteLine(string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(_widths[i]) : c.PadLeft(_widths[i]))));
    }

    private static void WriteJson(string path, string cpu, int cores, JsonObject? info, double peak1, double peakAll, bool quick, List<Row> rows)
    {
        static JsonNode? Seconds(double s) => double.IsNaN(s) ? null : JsonValue.Create(s);
        var document = new JsonObject
        {
            ["cpu"] = cpu,
            ["cores"] = cores,
            ["dotnet"] = Environment.Version.ToString(),
            ["gemmTile"] = GemmTileName(),
            ["peers"] = info?.DeepClone(),
            ["fmaPeakGflops"] = new JsonObject { ["oneThread"] = peak1, ["allThreads"] = peakAll },
            ["quick"] = quick,
            ["when"] = DateTime.UtcNow.ToString("O"),
            ["rows"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
            {
                ["workload"] = r.Workload,
                ["threads"] = r.Threads,
                ["scratchSeconds"] = Seconds(r.Scratch),
                ["numpySeconds"] = Seconds(r.NumPy),
                ["pytorch1Seconds"] = Seconds(r.PyTorch1),
                ["pytorchAllSeconds"] = Seconds(r.PyTorchAll),
                ["bestPeer"] = r.BestPeer,
                ["ratio"] = Seconds(r.Ratio),
                ["scratchGflops"] = Seconds(r.ScratchGflops),
                ["shareOfPeak"] = Seconds(r.PeakShare),
            }).ToArray()),
        };
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp";
        File.WriteAllText(temp, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, full, overwrite: true);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The Python side
    // ---------------------------------------------------------------------------------------------------------

    /// <summary>The long-lived <c>Peers/worker.py</c> process: one JSON request per line in, one answer per line out.</summary>
    private sealed class PeerWorker : IDisposable
    {
        private readonly Process _process;
        private readonly HashSet<string> _errors = [];   // each reported once

        private PeerWorker(Process process) => _process = process;

        /// <summary>Starts the worker, or returns null with the reason when Python, NumPy or the script is missing.</summary>
        public static PeerWorker? Start(string python, out string? why)
        {
            string? script = FindScript();
            if (script is null)
            {
                why = "Scratch.Bench/Peers/worker.py not found above " + AppContext.BaseDirectory;
                return null;
            }
            if (!File.Exists(python))
            {
                why = $"{python} not found";
                return null;
            }
            var start = new ProcessStartInfo(python, ["-u", script])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var process = Process.Start(start)!;
            var worker = new PeerWorker(process);
            if (worker.Ask(new JsonObject { ["op"] = "info" }) is null)
            {
                string error = process.StandardError.ReadToEnd().Trim().Split('\n').LastOrDefault() ?? "";
                why = $"{python} could not run the peers: {error}";
                worker.Dispose();
                return null;
            }
            why = null;
            return worker;
        }

        /// <summary>Sends a request and reads its answer; null when the worker has died or reports an error.</summary>
        public JsonObject? Ask(JsonObject request)
        {
            if (_process.HasExited)
                return null;
            try
            {
                _process.StandardInput.WriteLine(request.ToJsonString());
                _process.StandardInput.Flush();
                string? line = _process.StandardOutput.ReadLine();
                if (line is null)
                    return null;
                var answer = JsonNode.Parse(line)?.AsObject();
                if (answer?["error"] is JsonNode error)
                {
                    if (_errors.Add(error.ToString()))
                        Console.Error.WriteLine($"peer {request["lib"]}: {error}");
                    return null;
                }
                return answer;
            }
            catch (IOException)
            {
                return null;
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                try
                {
                    _process.StandardInput.WriteLine("{\"op\": \"quit\"}");
                    _process.StandardInput.Close();
                    if (!_process.WaitForExit(5000))
                        _process.Kill();
                }
                catch (IOException)
                {
                }
            }
            _process.Dispose();
        }

        /// <summary>Peers/worker.py beside this assembly's project: searched upwards from the output directory.</summary>
        private static string? FindScript()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                foreach (string candidate in new[] { Path.Combine(dir.FullName, "Peers", "worker.py"), Path.Combine(dir.FullName, "Scratch.Bench", "Peers", "worker.py") })
                    if (File.Exists(candidate))
                        return candidate;
            }
            return null;
        }
    }
}
