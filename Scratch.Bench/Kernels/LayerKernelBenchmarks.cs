using BenchmarkDotNet.Attributes;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Bench.Kernels;

/// <summary>
/// The memory-bound layers' kernels next to their Naive twins (the baseline), on SimpleConvNet's shapes: ReLU over the
/// convolution's (100, 30, 24, 24) output, 2×2 max pooling of it, batch norm over (100, 16, 28·28) channels and
/// (100, 100) features, softmax + cross-entropy of (100, 10) scores, dropout of (100, 100).
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project Scratch.Bench -- bench --filter '*LayerKernel*'</c>.</remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class LayerKernelBenchmarks
{
    private static readonly PoolShape Pool = new(100, 30, 24, 24, 2, 2, 2, 0);
    private float[] _x = null!, _y = null!, _dout = null!, _dx = null!, _pooled = null!, _poolGrad = null!;
    private int[] _argMax = null!;
    private float[] _bnX = null!, _bnXn = null!, _bnY = null!, _mean = null!, _var = null!, _std = null!, _gamma = null!, _beta = null!;
    private float[] _scores = null!, _labels = null!, _probabilities = null!, _mask = null!, _dropped = null!;
    private readonly RandomState _random = new(0);

    [GlobalSetup]
    public void Setup()
    {
        int size = 100 * 30 * 24 * 24, pooled = 100 * 30 * 12 * 12, bn = 100 * 16 * 784;
        _x = NDArray.RandomNormal([size], seed: 1).ToArray();
        _dout = NDArray.RandomNormal([size], seed: 2).ToArray();
        (_y, _dx) = (new float[size], new float[size]);
        (_pooled, _poolGrad, _argMax) = (new float[pooled], NDArray.RandomNormal([pooled], seed: 3).ToArray(), new int[pooled]);
        _bnX = NDArray.RandomNormal([bn], seed: 4).ToArray();
        (_bnXn, _bnY) = (new float[bn], new float[bn]);
        (_mean, _var, _std, _gamma, _beta) = (new float[16], new float[16], Enumerable.Repeat(1f, 16).ToArray(), Enumerable.Repeat(1f, 16).ToArray(), new float[16]);
        _scores = NDArray.RandomNormal([1000], seed: 5).ToArray();
        _labels = Enumerable.Range(0, 100).Select(i => (float)(i % 10)).ToArray();
        _probabilities = new float[1000];
        (_mask, _dropped) = (new float[10_000], new float[10_000]);
    }

    [Benchmark(Baseline = true, Description = "ReLU forward, naive")]
    public void ReluForwardNaive() => Relu.ForwardNaive(_x, _y);

    [Benchmark(Description = "ReLU forward")]
    public void ReluForward() => Relu.Forward(_x, _y);

    [Benchmark(Description = "ReLU backward, naive")]
    public void ReluBackwardNaive() => Relu.BackwardNaive(_y, _dout, _dx);

    [Benchmark(Description = "ReLU backward")]
    public void ReluBackward() => Relu.Backward(_y, _dout, _dx);

    [Benchmark(Description = "max pool 2×2 + argmax, naive")]
    public void MaxPoolNaive() => Pooling.MaxForwardNaive(_x, _pooled, _argMax, Pool);

    [Benchmark(Description = "max pool 2×2 + argmax")]
    public void MaxPool() => Pooling.MaxForward(_x, _pooled, _argMax, Pool);

    [Benchmark(Description = "max pool backward, naive")]
    public void MaxPoolBackwardNaive() => Pooling.MaxBackwardNaive(_poolGrad, _argMax, _dx);

    [Benchmark(Description = "max pool backward")]
    public void MaxPoolBackward() => Pooling.MaxBackward(_poolGrad, _argMax, _dx, Pool);

    [Benchmark(Description = "batch norm 2d statistics + normalize, naive")]
    public void BatchNormNaive()
    {
        BatchNorm.StatisticsNaive(_bnX, _mean, _var, 100, 16, 784);
        BatchNorm.NormalizeNaive(_bnX, _mean, _std, _gamma, _beta, _bnXn, _bnY, 100, 16, 784);
    }

    [Benchmark(Description = "batch norm 2d statistics + normalize")]
    public void BatchNormFast()
    {
        BatchNorm.Statistics(_bnX, _mean, _var, _bnXn, 100, 16, 784);
        BatchNorm.Normalize(_bnX, _mean, _std, _gamma, _beta, _bnXn, _bnY, 100, 16, 784);
    }

    [Benchmark(Description = "softmax + cross-entropy (100, 10), naive")]
    public float SoftmaxNaive() => SoftmaxCrossEntropy.ForwardNaive(_scores, _labels, _probabilities, 100, 10, 1e-7f);

    [Benchmark(Description = "softmax + cross-entropy (100, 10)")]
    public float Softmax() => SoftmaxCrossEntropy.Forward(_scores, _labels, _probabilities, 100, 10, 1e-7f);

    [Benchmark(Description = "dropout (100, 100), naive")]
    public void DropoutNaive() => Dropout.ForwardNaive(_x.AsSpan(0, 10_000), _mask, _dropped, _random, 0.5, 2f);

    [Benchmark(Description = "dropout (100, 100)")]
    public void DropoutFast() => Dropout.Forward(_x.AsSpan(0, 10_000), _mask, _dropped, _random, 0.5, 2f);
}
