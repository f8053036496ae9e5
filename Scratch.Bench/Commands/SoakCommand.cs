using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Scratch.Bench.Runs;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Bench.Commands;

/// <summary>
/// <c>soak</c>: a long training run that samples the process's memory, to show that steady-state training does not
/// grow it (no leaked buffers, no growing caches). Not part of CI: it takes minutes.
/// </summary>
internal static class SoakCommand
{
    /// <summary>The allowed spread of the working set after warm-up: (max − min) / min.</summary>
    private const double FlatTolerance = 0.05;

    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "training steps of batch 100", DefaultValueFactory = _ => 20_000 };
        var sampleEvery = new Option<int>("--sample-every") { Description = "steps between memory samples", DefaultValueFactory = _ => 1_000 };
        var warmUp = new Option<int>("--warm-up") { Description = "steps before the samples the verdict compares", DefaultValueFactory = _ => 2_000 };
        var network = new Option<string>("--network") { Description = "simpleconv, deepconv or mlp", DefaultValueFactory = _ => "simpleconv" };
        var fullGc = new Option<bool>("--full-gc") { Description = "run a full, compacting collection before each sample (GC heap = live data)" };
        var json = new Option<string?>("--json") { Description = "also write the samples and the verdict to this JSON file" };
        var command = new Command("soak", "Train for many steps, sampling memory; PASS when the working set stays flat within 5 % after warm-up.")
        {
            steps, sampleEvery, warmUp, network, fullGc, json,
        };
        command.SetAction(result => Program.Guarded(() => Run(result.GetValue(network)!, result.GetValue(steps),
            result.GetValue(sampleEvery), result.GetValue(warmUp), result.GetValue(fullGc), result.GetValue(json))));
        return command;
    }

    /// <summary>One memory sample, taken after <see cref="Step"/> training steps (loss and speed are null before the first).</summary>
    /// <remarks>
    /// GC heap is <see cref="GC.GetTotalMemory(bool)"/> now, so it includes what was allocated since the last collection;
    /// GC committed is as of the last collection (<see cref="GC.GetGCMemoryInfo()"/>). Without collections the heap grows
    /// into fresh pages with every allocation, so bytes allocated per step show up in the working set. On Linux the working
    /// set is split into anonymous memory (heaps, stacks: where a leak shows) and file-backed pages (code of the assemblies
    /// and the runtime, mapped in as paths run for the first time), from <c>/proc/self/status</c>.
    /// </remarks>
    private sealed record Sample(int Step, long WorkingSetBytes, long? AnonymousBytes, long? FileBytes, long GcHeapBytes, long GcCommittedBytes, long AllocatedBytes,
        int Gen0, int Gen1, int Gen2, int Threads, float? Loss, double? StepsPerSecond);

    private static int Run(string name, int steps, int sampleEvery, int warmUp, bool fullGc, string? jsonPath)
    {
        if (steps < 1) throw new UsageException($"--steps must be at least 1, got {steps}.");
        if (sampleEvery < 1) throw new UsageException($"--sample-every must be at least 1, got {sampleEvery}.");
        if (warmUp < 0 || warmUp >= steps) throw new UsageException($"--warm-up must be in [0, --steps) = [0, {steps}), got {warmUp}.");
        string? jsonFull = jsonPath is null ? null : Path.GetFullPath(jsonPath);
        if (jsonFull is not null) RunFiles.EnsureWritable(Path.GetDirectoryName(jsonFull)!, "--json");   // fail now, not after minutes

        const int batchSize = 100;
        var ((x, t), _) = Mnist.LoadEmbedded(flatten: name == "mlp");
        Sequential network = name switch
        {
            "simpleconv" => new SimpleConvNet(weightInit: WeightInit.He, seed: 0),
            "deepconv" => new DeepConvNet(),
            "mlp" => new MultiLayerNetExtend(784, [100, 100, 100, 100], 10, useDropout: true, dropoutRatio: 0.2f, useBatchnorm: true),
            _ => throw new UsageException($"soak: unknown network '{name}'; expected simpleconv, deepconv or mlp."),
        };
        var optimizer = new Adam(1e-3f);
        int batches = x.Dim(0) / batchSize;
        NDArray[] xBatches = new NDArray[batches], tBatches = new NDArray[batches];   // views made once: the loop allocates nothing
        for (int b = 0; b < batches; b++)
            (xBatches[b], tBatches[b]) = (x.Slice(0, b * batchSize, (b + 1) * batchSize), t.Slice(0, b * batchSize, (b + 1) * batchSize));

        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"soak: {name}, {steps:N0} steps of batch {batchSize} over {batches} cycled batches, Adam(1e-3); " +
                          $"memory sampled every {sampleEvery:N0} steps; {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"step",7} {"working set",12} {"anon",9} {"file",8} {"GC heap",9} {"GC committed",12} {"allocated",12} {"gen0",6} {"gen1",5} {"gen2",5} {"threads",7} {"loss",7} {"steps/s",8}");
        var samples = new List<Sample>();
        var clock = Stopwatch.StartNew();
        int lastStep = 0;
        float loss = float.NaN;
        Record(0);
        for (int step = 1; step <= steps; step++)
        {
            int b = (step - 1) % batches;
            (loss, _) = network.Gradient(xBatches[b], tBatches[b]);
            optimizer.Update(network.Parameters);
            if (step % sampleEvery == 0 || step == steps)
                Record(step);
        }

        // The verdict compares the samples taken at or after the warm-up.
        Sample[] steady = samples.Where(s => s.Step >= warmUp && s.Step > 0).ToArray();
        long min = steady.Min(s => s.WorkingSetBytes), max = steady.Max(s => s.WorkingSetBytes);
        double spread = (double)(max - min) / min;
        bool pass = spread <= FlatTolerance;
        Console.WriteLine($"{(pass ? "PASS" : "FAIL")}: working set after {warmUp:N0} steps ({steady.Length} samples) " +
                          $"min {Mb(min)}, max {Mb(max)}, spread {spread:P1} (limit {FlatTolerance:P0}); " +
                          (steady[0].AnonymousBytes is null ? "" : $"anonymous {Mb(steady[0].AnonymousBytes)} → {Mb(steady[^1].AnonymousBytes)}, ") +
                          $"GC heap {Mb(steady[0].GcHeapBytes)} → {Mb(steady[^1].GcHeapBytes)}, " +
                          $"allocated {(double)(steady[^1].AllocatedBytes - steady[0].AllocatedBytes) / Math.Max(1, steady[^1].Step - steady[0].Step) / 1024:F1} KB per step");
        if (jsonFull is not null)
        {
            var document = new
            {
                network = name, steps, batchSize, sampleEvery, warmUp, cores = Environment.ProcessorCount,
                samples, verdict = new { pass, minWorkingSetBytes = min, maxWorkingSetBytes = max, spread, tolerance = FlatTolerance },
            };
            RunFiles.WriteAllTextAtomic(jsonFull, JsonSerializer.Serialize(document,
                new JsonSerializerOptions
                {
                    WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
                    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,   // a diverged loss is NaN
                }));
        }
        return pass ? 0 : 1;

        void Record(int step)
        {
            double seconds = clock.Elapsed.TotalSeconds;
            if (fullGc) GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            process.Refresh();
            GCMemoryInfo gc = GC.GetGCMemoryInfo();
            var (anonymous, file, threads) = ProcessStatus();
            var sample = new Sample(step, process.WorkingSet64, anonymous, file, GC.GetTotalMemory(forceFullCollection: false), gc.TotalCommittedBytes, GC.GetTotalAllocatedBytes(),
                GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), threads ?? process.Threads.Count,
                step == 0 ? null : loss, step == 0 ? null : (step - lastStep) / seconds);
            samples.Add(sample);
            Console.WriteLine($"{step,7} {Mb(sample.WorkingSetBytes),12} {Mb(anonymous),9} {Mb(file),8} {Mb(sample.GcHeapBytes),9} {Mb(sample.GcCommittedBytes),12} {Mb(sample.AllocatedBytes),12} " +
                              $"{sample.Gen0,6} {sample.Gen1,5} {sample.Gen2,5} {sample.Threads,7} {sample.Loss?.ToString("F4") ?? "-",7} {sample.StepsPerSecond?.ToString("F1") ?? "-",8}");
            lastStep = step;
            clock.Restart();
        }
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024.0):F1} MB";

    private static string Mb(long? bytes) => bytes is long b ? Mb(b) : "-";

    /// <summary>
    /// Resident anonymous and file-backed bytes and the thread count (<c>RssAnon</c>, <c>RssFile</c>, <c>Threads</c> of
    /// <c>/proc/self/status</c>: one small read, where <see cref="Process.Threads"/> builds an object per thread); nulls
    /// where there is no such file.
    /// </summary>
    private static (long? Anonymous, long? File, int? Threads) ProcessStatus()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return (null, null, null);
        long? anonymous = null, file = null;
        int? threads = null;
        foreach (string line in File.ReadLines(status))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anonymous = 1024 * Number(line);   // "RssAnon:	  123456 kB"
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal)) file = 1024 * Number(line);
            else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = (int)Number(line);
        }
        return (anonymous, file, threads);

        static long Number(string line) =>
            long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
    }
}
