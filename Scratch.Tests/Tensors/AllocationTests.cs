using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

/// <summary>The <c>into:</c> and in-place paths allocate nothing once warm (a training step relies on it).</summary>
public class AllocationTests
{
    /// <summary>Bytes allocated on this thread by <paramref name="action"/>, after one warm-up call (JIT, static data).</summary>
    private static long Allocated(Action action)
    {
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static IEnumerable<TestCaseData> Paths()
    {
        NDArray a = Reference.Random(1, 16, 33), b = Reference.Random(2, 16, 33), row = Reference.Random(3, 33);
        NDArray col = Reference.Random(4, 16, 1), transposed = Reference.Random(5, 33, 16).T, dst = NDArray.Zeros(16, 33);
        NDArray strided = NDArray.Zeros(16, 66)[.., Ix.Step(2)], cube = Reference.Random(6, 4, 5, 6);
        NDArray mask = Reference.Random(7, 16, 33) > 0f;
        NDArray sum0 = NDArray.Zeros(33), sum1 = NDArray.Zeros(16), sumKeep = NDArray.Zeros(1, 5, 1), scalar = NDArray.Zeros();

        TestCaseData Case(string name, Action action) => new TestCaseData(action).SetName($"Into_AllocatesNothing_{name}");
        yield return Case("Add", () => NDArray.Add(a, b, into: dst));
        yield return Case("AddRowBroadcast", () => NDArray.Add(a, row, into: dst));
        yield return Case("MultiplyColumnBroadcast", () => NDArray.Multiply(a, col, into: dst));
        yield return Case("SubtractTransposed", () => NDArray.Subtract(a, transposed, into: dst));
        yield return Case("DivideIntoStrided", () => NDArray.Divide(a, b, into: strided));
        yield return Case("Maximum", () => NDArray.Maximum(a, b, into: dst));
        yield return Case("Greater", () => NDArray.Greater(a, b, into: dst));
        yield return Case("Exp", () => a.Exp(into: dst));
        yield return Case("ReluTransposed", () => transposed.Relu(into: dst));
        yield return Case("AddInPlace", () => dst.AddInPlace(row));
        yield return Case("AddInPlaceExactAlias", () => dst.AddInPlace(dst));
        yield return Case("MultiplyInPlace", () => strided.MultiplyInPlace(b));
        yield return Case("MultiplyInPlaceFactor", () => strided.MultiplyInPlace(0.5f));
        yield return Case("ScaledAddInPlace", () => dst.ScaledAddInPlace(0.1f, a));
        yield return Case("ScaledAddInPlaceStrided", () => strided.ScaledAddInPlace(0.1f, transposed));
        yield return Case("Fill", () => strided.Fill(1f));
        yield return Case("CopyFrom", () => strided.CopyFrom(transposed));
        yield return Case("CopyFromBroadcast", () => dst.CopyFrom(row));
        yield return Case("Where", () => NDArray.Where(mask, a, b, into: dst));
        yield return Case("SumAxis0", () => a.Sum(axis: 0, into: sum0));
        yield return Case("SumAxis1Transposed", () => transposed.Sum(axis: 1, into: sum1));
        yield return Case("SumAll", () => a.Sum(into: scalar));
        yield return Case("SumAxes", () => cube.Sum(axes: [0, 2], keepDims: true, into: sumKeep));
        yield return Case("MeanAxis0", () => a.Mean(axis: 0, into: sum0));
        yield return Case("MaxAxis1", () => a.Max(axis: 1, into: sum1));
        yield return Case("MinAxis0", () => a.Min(axis: 0, into: sum0));
    }

    [TestCaseSource(nameof(Paths))]
    public void Into(Action action) => Assert.That(Allocated(action), Is.Zero);

    [Test]
    public void DisjointViewsOfOneBuffer_AreNotCopied()
    {
        NDArray x = NDArray.Arange(12).Reshape(4, 3);
        NDArray top = x[..2], bottom = x[2..];
        Assert.That(Allocated(() => top.AddInPlace(bottom)), Is.Zero);
    }
}
