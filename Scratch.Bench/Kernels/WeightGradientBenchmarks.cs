using BenchmarkDotNet.Attributes;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Bench.Kernels;

/// <summary>
/// The weight gradient of a network's first convolution (dW and db, no dx), batch 100: the dot products over pixels
/// (<see cref="ConvolutionWeightGradient"/>) against the GEMM over packed slivers (the baseline), on SimpleConvNet's
/// 1→30 5×5 layer and DeepConvNet's 1→16 3×3 layer. Both unfold the images; AVX-512 only (elsewhere both rows run the GEMM).
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project Scratch.Bench -- bench --filter '*WeightGradientBenchmarks*'</c>.</remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class WeightGradientBenchmarks
{
    private ConvShape _g;
    private float[] _x = [], _w = [], _dout = [], _dW = [], _db = [], _partials = [];

    [Params("SimpleConvNet 1→30 5×5", "DeepConvNet 1→16 3×3")]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        bool simple = Shape.StartsWith("Simple", StringComparison.Ordinal);
        int fn = simple ? 30 : 16, f = simple ? 5 : 3;
        _g = new ConvShape(100, 1, 28, 28, f, f, 1, simple ? 0 : 1);
        _x = NDArray.RandomNormal([100, 1, 28, 28], seed: 2).ToArray();
        _w = NDArray.RandomNormal([fn, _g.K], 0, 0.1, seed: 1).ToArray();
        _dout = NDArray.RandomNormal([100 * fn * _g.P], seed: 3).ToArray();
        (_dW, _db, _partials) = (new float[fn * _g.K], new float[fn], new float[ConvolutionGemm.PartialsLength(_g, fn)]);
    }

    [GlobalCleanup]
    public void Cleanup() => ConvolutionGemm.UseWeightGradientDots = true;

    [Benchmark(Baseline = true, Description = "dW + db, GEMM")]
    public float Gemm() => WeightGradient(dotProducts: false);

    [Benchmark(Description = "dW + db, dot products")]
    public float DotProducts() => WeightGradient(dotProducts: true);

    private float WeightGradient(bool dotProducts)
    {
        ConvolutionGemm.UseWeightGradientDots = dotProducts;
        ConvolutionGemm.Backward(_x, _w, _dout, _dW, _db, Memory<float>.Empty, _partials, _g);
        return _dW[0];
    }
}
