using BenchmarkDotNet.Attributes;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Bench.Kernels;

/// <summary>
/// A convolution's weight gradient (dW and db, no dx), batch 100: the path the layer takes against unfolding the images
/// and running the GEMM over packed slivers (the baseline). For the first convolutions, SimpleConvNet's 1→30 5×5 and
/// DeepConvNet's 1→16 3×3, that path is the dot products over pixels (<see cref="ConvolutionWeightGradient"/>); for
/// DeepConvNet's deeper ones, taps × filters with the taps read in place from the padded image and dout transposed by
/// pixel (<see cref="ConvolutionWeightGradientDirect"/>). AVX-512 only (elsewhere both rows unfold and run the GEMM).
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project Scratch.Bench -- bench --filter '*WeightGradientBenchmarks*'</c>.</remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class WeightGradientBenchmarks
{
    private ConvShape _g;
    private float[] _x = [], _w = [], _dout = [], _dW = [], _db = [], _partials = [];

    [Params("SimpleConvNet 1→30 5×5", "DeepConvNet 1→16 3×3", "16→32 at 14×14", "32→32 at 14×14 pad 2", "32→64 at 8×8", "64→64 at 8×8")]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        (int c, int h, int fn, int f, int pad) = Shape switch
        {
            "SimpleConvNet 1→30 5×5" => (1, 28, 30, 5, 0),
            "DeepConvNet 1→16 3×3" => (1, 28, 16, 3, 1),
            "16→32 at 14×14" => (16, 14, 32, 3, 1),
            "32→32 at 14×14 pad 2" => (32, 14, 32, 3, 2),
            "32→64 at 8×8" => (32, 8, 64, 3, 1),
            _ => (64, 8, 64, 3, 1),
        };
        _g = new ConvShape(100, c, h, h, f, f, 1, pad);
        _x = NDArray.RandomNormal([100, c, h, h], seed: 2).ToArray();
        _w = NDArray.RandomNormal([fn, _g.K], 0, 0.1, seed: 1).ToArray();
        _dout = NDArray.RandomNormal([100 * fn * _g.P], seed: 3).ToArray();
        (_dW, _db, _partials) = (new float[fn * _g.K], new float[fn], new float[ConvolutionGemm.PartialsLength(_g, fn)]);
    }

    [GlobalCleanup]
    public void Cleanup() =>
        (ConvolutionGemm.UseWeightGradientDots, ConvolutionGemm.UseImplicitColumns, ConvolutionGemm.UseDirectWeightGradient) = (true, true, true);

    [Benchmark(Baseline = true, Description = "dW + db, unfolded, GEMM")]
    public float Unfolded() => WeightGradient(layersPath: false);

    [Benchmark(Description = "dW + db, the layer's path")]
    public float LayersPath() => WeightGradient(layersPath: true);

    private float WeightGradient(bool layersPath)
    {
        (ConvolutionGemm.UseWeightGradientDots, ConvolutionGemm.UseImplicitColumns, ConvolutionGemm.UseDirectWeightGradient) = (layersPath, layersPath, layersPath);
        ConvolutionGemm.Backward(_x, _w, _dout, _dW, _db, Memory<float>.Empty, _partials, _g);
        return _dW[0];
    }
}
