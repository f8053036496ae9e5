using BenchmarkDotNet.Attributes;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Bench.Kernels;

/// <summary>One training step (forward, backward, Adam update) on a batch of 100 embedded digits, with the bytes it allocates (0 once warm).</summary>
/// <remarks>Run: <c>dotnet run -c Release --project Scratch.Bench -- bench --filter '*TrainingStep*'</c>.</remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class TrainingStepBenchmarks
{
    private Sequential _mlp = null!, _conv = null!, _deep = null!;
    private Adam _mlpOptimizer = null!, _convOptimizer = null!, _deepOptimizer = null!;
    private NDArray _xFlat = null!, _xImages = null!, _t = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ((x, t), _) = Mnist.LoadEmbedded(flatten: false);
        _xImages = x.Slice(0, 0, 100).Contiguous();
        _xFlat = _xImages.Reshape(100, -1);
        _t = t.Slice(0, 0, 100).Contiguous();
        _mlp = new MultiLayerNetExtend(784, [100, 100, 100, 100], 10, useDropout: true, dropoutRatio: 0.2f, useBatchnorm: true);
        _conv = new SimpleConvNet(weightInit: WeightInit.He);
        _mlpOptimizer = new Adam(1e-3f);
        _convOptimizer = new Adam(1e-3f);
        _deep = new DeepConvNet();
        _deepOptimizer = new Adam(1e-3f);
    }

    [Benchmark(Description = "MultiLayerNetExtend 4×100 (BN, dropout)")]
    public float Mlp() => Step(_mlp, _mlpOptimizer, _xFlat);

    [Benchmark(Description = "SimpleConvNet")]
    public float SimpleConv() => Step(_conv, _convOptimizer, _xImages);

    [Benchmark(Description = "DeepConvNet")]
    public float DeepConv() => Step(_deep, _deepOptimizer, _xImages);

    private float Step(Sequential network, Adam optimizer, NDArray x)
    {
        var (loss, _) = network.Gradient(x, _t);
        optimizer.Update(network.Parameters);
        return loss;
    }
}
