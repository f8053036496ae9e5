using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

/// <summary>Shape and index arguments are <c>params ReadOnlySpan&lt;int&gt;</c>: writing them inline allocates no array.</summary>
public class ShapeArgumentTests
{
    /// <summary>Bytes allocated on this thread by 10 calls of <paramref name="action"/>, after one warm-up call.</summary>
    private static long Allocated(Action action)
    {
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Test]
    public void ElementIndexer_ReadAndWrite_AllocateNothing()
    {
        NDArray x = NDArray.Arange(12).Reshape(3, 4);
        float sink = 0;
        Assert.Multiple(() =>
        {
            Assert.That(Allocated(() => sink += x[1, 2]), Is.Zero);
            Assert.That(Allocated(() => x[2, -1] = 5f), Is.Zero);
            Assert.That(Allocated(() => sink += x.T[3, 0]), Is.Not.Zero, "x.T makes a view; the check above is not vacuous");
        });
    }

    [Test]
    public void InlineShapes_AllocateNoMoreThanAPreparedArray()
    {
        // Each call still makes its result (the NDArray and its shape/strides); the inline arguments add nothing to that.
        NDArray x = NDArray.Arange(12), m = NDArray.Arange(12).Reshape(3, 4), row = NDArray.Arange(4);
        int[] shape = [3, 4], axes = [1, 0], target = [2, 3, 4];
        Assert.Multiple(() =>
        {
            Assert.That(Allocated(() => x.Reshape(3, 4)), Is.EqualTo(Allocated(() => x.Reshape(shape))));
            Assert.That(Allocated(() => m.Transpose(1, 0)), Is.EqualTo(Allocated(() => m.Transpose(axes))));
            Assert.That(Allocated(() => row.BroadcastTo(2, 3, 4)), Is.EqualTo(Allocated(() => row.BroadcastTo(target))));
            Assert.That(Allocated(() => NDArray.Zeros(3, 4)), Is.EqualTo(Allocated(() => NDArray.Zeros(shape))));
            Assert.That(Allocated(() => NDArray.Full([3, 4], 2f)), Is.EqualTo(Allocated(() => NDArray.Full(shape, 2f))));
        });
    }

    [Test]
    public void Indexer_IntsGiveTheElement_RangesGiveAView()
    {
        NDArray x = NDArray.Arange(12).Reshape(3, 4);
        int[] index = [2, 1];
        float element = x[1, 2];          // all ints: the float indexer
        float fromArray = x[index];       // an int[] converts to the span
        NDArray row = x[1, ..];           // a range: the Ix indexer, a view
        NDArray last = x[^1];
        Assert.Multiple(() =>
        {
            Assert.That(element, Is.EqualTo(6f));
            Assert.That(fromArray, Is.EqualTo(9f));
            Assert.That(row.ToArray(), Is.EqualTo(new[] { 4f, 5f, 6f, 7f }));
            Assert.That(last.ToArray(), Is.EqualTo(new[] { 8f, 9f, 10f, 11f }));
            Assert.That(row.Storage, Is.SameAs(x.Storage));
        });
    }

    [Test]
    public void ShapesFromArraysSpansAndCollectionExpressions_Agree()
    {
        int[] shape = [2, 3];
        ReadOnlySpan<int> span = shape;
        int[] fromSpan = NDArray.Zeros(span).Shape;
        float[] uniformFromSpan = NDArray.RandomUniform(span, 0, 1, 5).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(fromSpan, Is.EqualTo(shape));
            Assert.That(NDArray.Ones(shape).Shape, Is.EqualTo(shape));
            Assert.That(NDArray.Empty(2, 3).Shape, Is.EqualTo(shape));
            Assert.That(NDArray.Full([2, 3], 7f).ToArray(), Is.All.EqualTo(7f));
            Assert.That(NDArray.RandomNormal([2, 3], 0, 1, 5).ToArray(), Is.EqualTo(NDArray.RandomNormal(shape, 0, 1, 5).ToArray()));
            Assert.That(uniformFromSpan, Is.EqualTo(NDArray.RandomUniform([2, 3], 0, 1, 5).ToArray()));
            Assert.That(NDArray.Zeros().Rank, Is.Zero);
        });
    }

    [Test]
    public void TryReshapeView_DoesNotKeepTheCallersArray()
    {
        NDArray x = NDArray.Arange(6);
        int[] shape = [2, 3];
        Assert.That(x.TryReshapeView(shape, out NDArray? view), Is.True);
        shape[0] = 99;
        Assert.That(view!.Shape, Is.EqualTo(new[] { 2, 3 }));
    }
}
