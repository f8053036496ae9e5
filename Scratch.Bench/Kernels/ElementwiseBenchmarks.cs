using BenchmarkDotNet.Attributes;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Bench.Kernels;

/// <summary>
/// The paths an elementwise add can take over 1M elements (1000 × 1000): one TensorPrimitives call over the
/// whole span, one call per row for a bias-style broadcast, the general strided loop (a transposed operand),
/// and the plain scalar loop on contiguous data (the reference the fast paths are tested against).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class ElementwiseBenchmarks
{
    private const int Rows = 1000, Cols = 1000;
    private NDArray _a = null!, _b = null!, _bias = null!, _bTransposed = null!, _dst = null!;

    [GlobalSetup]
    public void Setup()
    {
        _a = NDArray.RandomNormal([Rows, Cols], seed: 1);
        _b = NDArray.RandomNormal([Rows, Cols], seed: 2);
        _bias = NDArray.RandomNormal([Cols], seed: 3);
        _bTransposed = NDArray.RandomNormal([Cols, Rows], seed: 4).T;
        _dst = NDArray.Zeros(Rows, Cols);
    }

    [Benchmark(Baseline = true, Description = "scalar loop (reference)")]
    public void ScalarLoop() => NDArray.BinaryIntoStrided<AddOp>(_a, _b, _dst);

    [Benchmark(Description = "TensorPrimitives span")]
    public void Span() => NDArray.Add(_a, _b, _dst);

    [Benchmark(Description = "per-row broadcast")]
    public void RowBroadcast() => NDArray.Add(_a, _bias, _dst);

    [Benchmark(Description = "strided (transposed b)")]
    public void Strided() => NDArray.Add(_a, _bTransposed, _dst);
}
