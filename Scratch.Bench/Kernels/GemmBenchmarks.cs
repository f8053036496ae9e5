using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Scratch.Tensors.Kernels;

namespace Scratch.Bench.Kernels;

/// <summary>An (M, K)·(K, N) product to time; sorts by its flop count, so the table runs from small to large.</summary>
public sealed record GemmShape(int M, int N, int K) : IComparable<GemmShape>, IComparable
{
    /// <summary>Multiply-adds count twice: 2·M·N·K.</summary>
    public double Flops => 2.0 * M * N * K;

    public int CompareTo(GemmShape? other) => other is null ? 1 : Flops.CompareTo(other.Flops);
    public int CompareTo(object? obj) => CompareTo(obj as GemmShape);

    // Short enough for BenchmarkDotNet not to elide it (it cuts parameter texts past 20 characters).
    public override string ToString() => M == N && N == K ? $"{M}³" : $"{M}×{K}·{K}×{N}";
}

/// <summary>The GEMM kernels side by side: C = A·B on contiguous float32 matrices, with GFLOP/s = 2·M·N·K / mean.</summary>
/// <remarks>
/// Naive is the baseline, timed only up to 256³ and on the MLP shape (it takes ~seconds at 1024³).
/// Blocked uses every core and the widest register tile (Vector512 on AVX-512 machines: 12×32 for large products,
/// <c>GemmBlocked.PrefersTallTile</c>, 8×32 otherwise); Blocked8x32 forces the 8×32 tile, Blocked256 the Vector256
/// one (each the same as Blocked where the machine lacks the wider tiles); Blocked1T is Blocked limited to one thread.
/// Run: <c>dotnet run -c Release --project Scratch.Bench -- bench --filter '*Gemm*'</c>.
/// </remarks>
[Config(typeof(Config))]
public class GemmBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(8));
            AddColumn(new GflopsColumn());
            AddDiagnoser(MemoryDiagnoser.Default);
            AddFilter(new SimpleFilter(b => b.Descriptor.WorkloadMethod.Name != nameof(Naive)
                || ((GemmShape)b.Parameters["Shape"]).Flops <= 2.0 * 256 * 256 * 256));
        }
    }

    public static IEnumerable<GemmShape> Shapes() =>
    [
        new(64, 64, 64), new(128, 128, 128), new(256, 256, 256), new(512, 512, 512), new(1024, 1024, 1024),
        new(100, 100, 784),   // MLP first layer: x (100, 784) · W (784, 100)
        new(57600, 30, 25),   // SimpleConvNet conv forward: col (57600, 25) · W_colᵀ (25, 30)
        new(78400, 16, 144),  // DeepConvNet conv 2 forward: col (78400, 144) · W_colᵀ (144, 16)
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = new(64, 64, 64);

    private float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(0);
        _a = new float[Shape.M * Shape.K];
        _b = new float[Shape.K * Shape.N];
        _c = new float[Shape.M * Shape.N];
        for (int i = 0; i < _a.Length; i++)
            _a[i] = (float)(rng.NextDouble() * 2 - 1);
        for (int i = 0; i < _b.Length; i++)
            _b[i] = (float)(rng.NextDouble() * 2 - 1);
    }

    [Benchmark(Baseline = true)]
    public void Naive() => Run(GemmKernel.Naive);

    [Benchmark]
    public void Vectorized() => Run(GemmKernel.Vectorized);

    [Benchmark]
    public void Blocked() => Run(GemmKernel.Blocked);

    [Benchmark]
    public void Blocked8x32() =>
        GemmBlocked.Multiply(Shape.M, Shape.N, Shape.K, _a, Shape.K, 1, _b, Shape.N, 1, _c, Shape.N, accumulate: false,
            [], [], relu: false, maxThreads: Environment.ProcessorCount, tile: GemmBlocked.IsSupported(GemmTile.Vector512) ? GemmTile.Vector512 : null);

    [Benchmark]
    public void Blocked256() =>
        GemmBlocked.Multiply(Shape.M, Shape.N, Shape.K, _a, Shape.K, 1, _b, Shape.N, 1, _c, Shape.N, accumulate: false,
            [], [], relu: false, maxThreads: Environment.ProcessorCount, tile: GemmBlocked.IsSupported(GemmTile.Vector256) ? GemmTile.Vector256 : null);

    [Benchmark]
    public void Blocked1T() =>
        GemmBlocked.Multiply(Shape.M, Shape.N, Shape.K, _a, Shape.K, 1, _b, Shape.N, 1, _c, Shape.N, accumulate: false,
            [], [], relu: false, maxThreads: 1);

    private void Run(GemmKernel kernel) =>
        Gemm.Multiply(kernel, Shape.M, Shape.N, Shape.K, _a, Shape.K, 1, _b, Shape.N, 1, _c, Shape.N);
}

/// <summary>GFLOP/s = 2·M·N·K / mean time, for benchmarks with a <see cref="GemmShape"/> parameter named Shape.</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "2·M·N·K / Mean, in 10⁹ floating-point operations per second";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (meanNs is not > 0 || benchmarkCase.Parameters["Shape"] is not GemmShape shape)
            return "-";
        return (shape.Flops / meanNs.Value).ToString("F1", style.CultureInfo);   // flop per ns = GFLOP/s
    }

    public override string ToString() => ColumnName;
}
