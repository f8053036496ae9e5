using BenchmarkDotNet.Attributes;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Bench.Kernels;

/// <summary>
/// The weight gradient of DeepConvNet's deeper convolutions, batch 100, dW and db without dx: the GEMM with the column
/// matrix packed straight from the image as its A (<see cref="ImplicitColumns.PackRows"/>) against unfolding cols and
/// packing it (the baseline). AVX-512 only (elsewhere both rows unfold).
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project Scratch.Bench -- bench --filter '*ImplicitWeightGradientBenchmarks*'</c>.</remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class ImplicitWeightGradientBenchmarks
{
    private ConvShape _g;
    private float[] _x = [], _w = [], _dout = [], _dW = [], _db = [], _partials = [];

    [Params("16→32 at 14×14", "32→32 at 14×14 pad 2", "32→64 at 8×8", "64→64 at 8×8")]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        (int c, int h, int fn, int pad) = Shape switch
        {
            "16→32 at 14×14" => (16, 14, 32, 1),
            "32→32 at 14×14 pad 2" => (32, 14, 32, 2),
            "32→64 at 8×8" => (32, 8, 64, 1),
            _ => (64, 8, 64, 1),
        };
        _g = new ConvShape(100, c, h, h, 3, 3, 1, pad);
        _x = NDArray.RandomNormal([100, c, h, h], seed: 2).ToArray();
        _w = NDArray.RandomNormal([fn, _g.K], 0, 0.1, seed: 1).ToArray();
        _dout = NDArray.RandomNormal([100 * fn * _g.P], seed: 3).ToArray();
        (_dW, _db, _partials) = (new float[fn * _g.K], new float[fn], new float[ConvolutionGemm.PartialsLength(_g, fn)]);
    }

    [GlobalCleanup]
    public void Cleanup() => ConvolutionGemm.UseImplicitColumns = true;

    [Benchmark(Baseline = true, Description = "dW, cols unfolded")]
    public float Unfolded() => WeightGradient(implicitColumns: false);

    [Benchmark(Description = "dW, cols packed from x")]
    public float PackedFromImage() => WeightGradient(implicitColumns: true);

    private float WeightGradient(bool implicitColumns)
    {
        ConvolutionGemm.UseImplicitColumns = implicitColumns;
        ConvolutionGemm.Backward(_x, _w, _dout, _dW, _db, Memory<float>.Empty, _partials, _g);
        return _dW[0];
    }
}
