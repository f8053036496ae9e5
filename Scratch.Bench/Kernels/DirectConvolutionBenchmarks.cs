using BenchmarkDotNet.Attributes;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Bench.Kernels;

/// <summary>
/// DeepConvNet's convolutions that read the padded image in place against the packed GEMMs with unfolding and folding
/// (the baseline), batch 100: the forward pass, and the backward pass with dW, db and dx. In place means
/// <see cref="ConvolutionDirect"/> (along positions) or <see cref="ConvolutionByPixel"/> (along channels, the 8×8 layers)
/// for the forward pass and dx, and <see cref="ConvolutionWeightGradientDirect"/> for dW. AVX-512 only (elsewhere both
/// rows run the GEMMs).
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project Scratch.Bench -- bench --filter '*DirectConvolutionBenchmarks*'</c>.</remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class DirectConvolutionBenchmarks
{
    private ConvShape _g;
    private float[] _x = [], _w = [], _b = [], _y = [], _dout = [], _dW = [], _db = [], _dx = [], _partials = [];

    [Params("16→16 at 28×28", "16→32 at 14×14", "32→32 at 14×14 pad 2", "32→64 at 8×8", "64→64 at 8×8")]
    public string Shape { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        (int c, int h, int fn, int pad) = Shape switch
        {
            "16→16 at 28×28" => (16, 28, 16, 1),
            "16→32 at 14×14" => (16, 14, 32, 1),
            "32→32 at 14×14 pad 2" => (32, 14, 32, 2),
            "32→64 at 8×8" => (32, 8, 64, 1),
            _ => (64, 8, 64, 1),
        };
        _g = new ConvShape(100, c, h, h, 3, 3, 1, pad);
        _x = NDArray.RandomNormal([100, c, h, h], seed: 2).ToArray();
        _w = NDArray.RandomNormal([fn, _g.K], 0, 0.1, seed: 1).ToArray();
        _b = new float[fn];
        _y = new float[100 * fn * _g.P];
        _dout = NDArray.RandomNormal([100 * fn * _g.P], seed: 3).ToArray();
        (_dW, _db, _dx, _partials) = (new float[fn * _g.K], new float[fn], new float[_x.Length], new float[ConvolutionGemm.PartialsLength(_g, fn)]);
    }

    [GlobalCleanup]
    public void Cleanup() => ConvolutionGemm.UseDirect = true;

    [Benchmark(Baseline = true, Description = "forward, packed GEMM")]
    public float ForwardPacked() => Forward(direct: false);

    [Benchmark(Description = "forward, direct")]
    public float ForwardDirect() => Forward(direct: true);

    [Benchmark(Description = "backward, GEMMs and fold")]
    public float BackwardPacked() => Backward(direct: false);

    [Benchmark(Description = "backward, direct")]
    public float BackwardDirect() => Backward(direct: true);

    private float Forward(bool direct)
    {
        ConvolutionGemm.UseDirect = direct;
        ConvolutionGemm.Forward(_x, _w, _b, _y, _g, relu: true);
        return _y[0];
    }

    private float Backward(bool direct)
    {
        ConvolutionGemm.UseDirect = direct;
        ConvolutionGemm.Backward(_x, _w, _dout, _dW, _db, _dx, _partials, _g);
        return _dx[0];
    }
}
