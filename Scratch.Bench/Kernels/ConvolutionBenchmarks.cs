using BenchmarkDotNet.Attributes;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Bench.Kernels;

/// <summary>
/// A convolution's forward + backward with the batch-wide product against the book's im2col code (the baseline), on
/// SimpleConvNet's 1→30 5×5 layer and DeepConvNet's 16→16 3×3 layer at 28×28, batch 100.
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project Scratch.Bench -- bench --filter '*ConvolutionBenchmarks*'</c>.</remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class ConvolutionBenchmarks
{
    private Convolution _layer = null!;
    private NDArray _x = null!, _dout = null!;

    [Params("SimpleConvNet 1→30 5×5", "DeepConvNet 16→16 3×3")]
    public string Shape { get; set; } = "";

    [Params(ConvolutionAlgorithm.Im2ColReference, ConvolutionAlgorithm.BatchGemm)]
    public ConvolutionAlgorithm Algorithm { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        bool simple = Shape.StartsWith("Simple", StringComparison.Ordinal);
        int c = simple ? 1 : 16, fn = simple ? 30 : 16, f = simple ? 5 : 3, pad = simple ? 0 : 1;
        _layer = new Convolution(NDArray.RandomNormal([fn, c, f, f], 0, 0.1, seed: 1), NDArray.Zeros(fn), 1, pad) { Algorithm = Algorithm };
        _x = NDArray.RandomNormal([100, c, 28, 28], seed: 2);
        _dout = NDArray.RandomNormal(_layer.Forward(_x, training: true).Shape, seed: 3);
    }

    [Benchmark(Description = "forward + backward")]
    public NDArray ForwardBackward()
    {
        _layer.Forward(_x, training: true);
        return _layer.Backward(_dout);
    }
}
