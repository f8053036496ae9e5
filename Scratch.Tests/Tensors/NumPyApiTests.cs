using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

/// <summary>Hand-checkable examples of the NumPy-level API: indexing, setters, joins, selection, creation, errors.</summary>
public class NumPyApiTests
{
    private static NDArray X() => NDArray.Arange(12).Reshape(3, 4);   // [[0 1 2 3] [4 5 6 7] [8 9 10 11]]

    [Test]
    public void Indexer_AllIntegers_GivesTheElement_AnyRangeGivesAView()
    {
        NDArray x = X();
        float element = x[1, 2];
        NDArray row = x[1, ..];
        NDArray last = x[^1];
        NDArray block = x[1..3, ..];
        Assert.Multiple(() =>
        {
            Assert.That(element, Is.EqualTo(6f));
            Assert.That(row.ToArray(), Is.EqualTo(new[] { 4f, 5, 6, 7 }));
            Assert.That(last.ToArray(), Is.EqualTo(new[] { 8f, 9, 10, 11 }));
            Assert.That(block.Shape, Is.EqualTo(new[] { 2, 4 }));
            Assert.That(block.Offset, Is.EqualTo(4), "a view: offset into the same storage");
            Assert.That(block.Storage, Is.SameAs(x.Storage));
            Assert.That(x[1, ^1].Rank, Is.Zero, "an Index is not an int: a rank-0 view");
            Assert.That(x[1, ^1].Item(), Is.EqualTo(7f));
        });
    }

    [Test]
    public void Indexer_Steps_AreStridedViews_NegativeStepsReverse()
    {
        NDArray x = X();
        NDArray everyOther = x[.., Ix.Step(2)];       // x[:, ::2]
        NDArray reversed = x[Ix.Step(-1)];            // x[::-1]
        NDArray middle = x[1, Ix.Step(3, 0, -2)];     // x[1, 3:0:-2]
        Assert.Multiple(() =>
        {
            Assert.That(everyOther.ToArray(), Is.EqualTo(new[] { 0f, 2, 4, 6, 8, 10 }));
            Assert.That(everyOther.Strides, Is.EqualTo(new[] { 4, 2 }));
            Assert.That(reversed.ToArray(), Is.EqualTo(new[] { 8f, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3 }));
            Assert.That(reversed.Strides, Is.EqualTo(new[] { -4, 1 }));
            Assert.That(reversed.Offset, Is.EqualTo(8));
            Assert.That(middle.ToArray(), Is.EqualTo(new[] { 7f, 5 }));
            Assert.That(x[Ix.NewAxis, 0].Shape, Is.EqualTo(new[] { 1, 4 }));
            Assert.That(x[Ix.Ellipsis, 1].ToArray(), Is.EqualTo(new[] { 1f, 5, 9 }));
            Assert.That(Ix.Step(1, null, -1).ToString(), Is.EqualTo("1::-1"));
            Assert.That(x[0, Ix.Step(1..4, 2)].ToArray(), Is.EqualTo(new[] { 1f, 3 }));   // x[0, 1:4:2]
        });
    }

    [Test]
    public void IndexerSetter_BroadcastsTheValue_AndAFloatFills()
    {
        NDArray x = X();
        x[0, ..] = NDArray.FromArray([-1f, -2, -3, -4]);
        x[.., 0] = 100f;                        // a float converts to a rank-0 array and broadcasts
        x[1.., 2..] = NDArray.FromArray([7f, 8]);
        Assert.That(x.ToArray(), Is.EqualTo(new[] { 100f, -2, -3, -4, 100, 5, 7, 8, 100, 9, 7, 8 }));
    }

    [Test]
    public void Writes_ThroughABroadcastView_Throw()
    {
        NDArray b = NDArray.FromArray([1f, 2, 3]).BroadcastTo(2, 3);
        Assert.Multiple(() =>
        {
            Assert.That(() => b[0, 1] = 5f, Throws.InvalidOperationException.With.Message.Contains("BroadcastTo").And.Message.Contains("(2, 3)"));
            Assert.That(() => b[0, ..] = 5f, Throws.InvalidOperationException.With.Message.Contains("read-only"));
            Assert.That(() => b.Fill(0f), Throws.InvalidOperationException.With.Message.Contains("Fill"));
            Assert.That(() => b.CopyFrom(NDArray.Zeros(3)), Throws.InvalidOperationException.With.Message.Contains("CopyFrom"));
            Assert.That(() => b.AddInPlace(1f), Throws.InvalidOperationException.With.Message.Contains("AddInPlace"));
            Assert.That(() => b.MultiplyInPlace(2f), Throws.InvalidOperationException.With.Message.Contains("MultiplyInPlace"));
            Assert.That(() => b[.., 0] = 5f, Throws.InvalidOperationException.With.Message.Contains("read-only"));
            Assert.That(() => NDArray.Add(b, b, into: b.T.T), Throws.ArgumentException.With.Message.Contains("into"));
            Assert.That(b[1, 2], Is.EqualTo(3f), "reading is fine");
            Assert.That(b[0, ..].IsReadOnly && b.T.IsReadOnly && !b.Clone().IsReadOnly, Is.True, "views of a broadcast stay read-only");
        });
    }

    [Test]
    public void BadIndices_NameTheShape()
    {
        NDArray x = X();
        Assert.Multiple(() =>
        {
            Assert.That(() => x[0], Throws.ArgumentException.With.Message.Contains("x[0, ..]"));
            Assert.That(() => x[5, ..], Throws.InstanceOf<IndexOutOfRangeException>().With.Message.Contains("index 5").And.Message.Contains("(3, 4)"));
            Assert.That(() => x[0, 0, ..], Throws.ArgumentException.With.Message.Contains("3 indices").And.Message.Contains("(3, 4)"));
            Assert.That(() => x[Ix.Ellipsis, Ix.Ellipsis], Throws.ArgumentException.With.Message.Contains("Ellipsis"));
            Assert.That(() => Ix.Step(0), Throws.ArgumentException.With.Message.Contains("step"));
            Assert.That(x[10.., ..].Shape, Is.EqualTo(new[] { 0, 4 }), "range bounds clip, as in Python");
        });
    }

    [Test]
    public void Mask_GathersAndScatters()
    {
        NDArray x = X();
        // x[x > 5] = [6, 7, 8, 9, 10, 11]; rows where a row mask is set
        Assert.That(x[x > 5f].ToArray(), Is.EqualTo(new[] { 6f, 7, 8, 9, 10, 11 }));
        Assert.That(x[NDArray.FromArray([1f, 0, 1])].ToArray(), Is.EqualTo(new[] { 0f, 1, 2, 3, 8, 9, 10, 11 }));
        x[x > 5f] = 0f;                                     // NumPy: x[x > 5] = 0
        Assert.That(x.ToArray(), Is.EqualTo(new[] { 0f, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0 }));
        x[NDArray.FromArray([0f, 1, 0])] = NDArray.FromArray([9f, 8, 7, 6]);
        Assert.That(x[1, ..].ToArray(), Is.EqualTo(new[] { 9f, 8, 7, 6 }));
        Assert.That(() => x[NDArray.Zeros(4)], Throws.ArgumentException.With.Message.Contains("(4,)").And.Message.Contains("(3, 4)"));
    }

    [Test]
    public void ConcatenateStackSplit()
    {
        NDArray a = NDArray.FromArray([1f, 2, 3, 4], 2, 2), b = NDArray.FromArray([5f, 6], 1, 2);
        Assert.Multiple(() =>
        {
            Assert.That(NDArray.Concatenate([a, b]).ToArray(), Is.EqualTo(new[] { 1f, 2, 3, 4, 5, 6 }));
            Assert.That(NDArray.Concatenate([a, a.T], axis: 1).ToArray(), Is.EqualTo(new[] { 1f, 2, 1, 3, 3, 4, 2, 4 }));
            Assert.That(NDArray.Stack([a, a], axis: 2).Shape, Is.EqualTo(new[] { 2, 2, 2 }));
            Assert.That(() => NDArray.Concatenate([a, b], axis: 1), Throws.ArgumentException.With.Message.Contains("Concatenate").And.Message.Contains("(1, 2)"));
            Assert.That(() => NDArray.Stack([a, b]), Throws.ArgumentException.With.Message.Contains("Stack").And.Message.Contains("(2, 2)"));
            Assert.That(() => NDArray.Concatenate([]), Throws.ArgumentException.With.Message.Contains("at least one"));
            NDArray[] parts = NDArray.Split(X(), 2, axis: 1);
            Assert.That(parts[1].ToArray(), Is.EqualTo(new[] { 2f, 3, 6, 7, 10, 11 }));
            Assert.That(parts[1].Storage, Is.SameAs(parts[0].Storage));
            Assert.That(() => NDArray.Split(X(), 3, axis: 1), Throws.ArgumentException.With.Message.Contains("equal sections").And.Message.Contains("(3, 4)"));
        });
    }

    [Test]
    public void Concatenate_IntoAnOverlappingDestination_ReadsTheInputsFirst()
    {
        NDArray x = NDArray.Arange(6);
        NDArray.Concatenate([x[3..], x[..3]], into: x);       // rotate by 3: NumPy buffers overlapping inputs
        Assert.That(x.ToArray(), Is.EqualTo(new[] { 3f, 4, 5, 0, 1, 2 }));
    }

    [Test]
    public void TakeRows_IntoItsOwnSource_ReadsTheRowsFirst()
    {
        NDArray x = NDArray.Arange(6).Reshape(3, 2);
        x.Take([2, 1, 0], into: x);                            // NumPy: np.take(x, [2, 1, 0], axis=0, out=x)
        Assert.That(x.ToArray(), Is.EqualTo(new[] { 4f, 5, 2, 3, 0, 1 }));
    }

    [Test]
    public void WhereTakeArgMin()
    {
        NDArray x = X();
        Assert.Multiple(() =>
        {
            Assert.That(NDArray.Where(x > 5f, x, 0f).ToArray(), Is.EqualTo(new[] { 0f, 0, 0, 0, 0, 0, 6, 7, 8, 9, 10, 11 }));
            Assert.That(x.Take([3, 0], axis: 1).ToArray(), Is.EqualTo(new[] { 3f, 0, 7, 4, 11, 8 }));
            Assert.That(x.Take([-1], axis: 0).ToArray(), Is.EqualTo(new[] { 8f, 9, 10, 11 }));
            Assert.That(() => x.Take([4], axis: 1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("axis 1").And.Message.Contains("(3, 4)"));
            Assert.That(NDArray.FromArray([3f, 1, 1, 2]).ArgMin().Item(), Is.EqualTo(1f), "the first of the ties");
            Assert.That(x.ArgMin(axis: 1).ToArray(), Is.EqualTo(new[] { 0f, 0, 0 }));
            Assert.That(() => NDArray.Where(x, x, NDArray.Zeros(3)), Throws.ArgumentException.With.Message.Contains("Where").And.Message.Contains("(3,)"));
        });
    }

    [Test]
    public void ReductionsOverSeveralAxes()
    {
        NDArray x = NDArray.Arange(24).Reshape(2, 3, 4);
        Assert.Multiple(() =>
        {
            // x.sum(axis=(0, 2), keepdims=True) = [[[60], [92], [124]]]
            Assert.That(x.Sum(axes: [0, 2], keepDims: true).ToArray(), Is.EqualTo(new[] { 60f, 92, 124 }));
            Assert.That(x.Sum(axes: [0, 2], keepDims: true).Shape, Is.EqualTo(new[] { 1, 3, 1 }));
            Assert.That(x.Mean(axes: [0, 1]).ToArray(), Is.EqualTo(new[] { 10f, 11, 12, 13 }));
            Assert.That(x.Max(axes: [-1, 0]).ToArray(), Is.EqualTo(new[] { 15f, 19, 23 }));
            // std([0, 1, 2, 3]) = √1.25
            Assert.That(NDArray.Arange(4).Std().Item(), Is.EqualTo(MathF.Sqrt(1.25f)).Within(1e-6f));
            Assert.That(() => x.Sum(axes: [0, 0]), Throws.ArgumentException.With.Message.Contains("repeated"));
            Assert.That(() => x.Max(axes: [3]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("(2, 3, 4)"));
        });
    }

    [Test]
    public void Reductions_IntoAStridedOrOverlappingView()
    {
        NDArray x = NDArray.Arange(6).Reshape(2, 3);            // [[0 1 2] [3 4 5]]
        x.Sum(axis: 0, into: x[0, ..]);                         // np.sum(x, axis=0, out=x[0]) reads x before writing
        Assert.That(x.ToArray(), Is.EqualTo(new[] { 3f, 5, 7, 3, 4, 5 }));
        NDArray column = NDArray.Zeros(2, 2)[.., 1];            // a strided destination
        NDArray.Arange(6).Reshape(2, 3).Mean(axis: 1, into: column);
        Assert.That(column.ToArray(), Is.EqualTo(new[] { 1f, 4 }));
    }

    [Test]
    public void Softmax_ShiftsByTheMax()
    {
        // softmax([1000, 1001]) = [1/(1+e), e/(1+e)] = [0.2689, 0.7311]; naive exp overflows to NaN
        NDArray p = NDArray.FromArray([1000f, 1001f]).Softmax();
        Assert.That(p.ToArray(), Is.EqualTo(new[] { 0.26894142f, 0.7310586f }).Within(1e-6f));
        Assert.That(NDArray.FromArray([1000f, 1001f]).LogSoftmax().ToArray(), Is.EqualTo(new[] { -1.3132616f, -0.31326166f }).Within(1e-5f));
        Assert.That(NDArray.FromArray([1f, 2, 3, 4], 2, 2).CumSum(axis: 0).ToArray(), Is.EqualTo(new[] { 1f, 2, 4, 6 }));
    }

    [Test]
    public void Creation()
    {
        Assert.Multiple(() =>
        {
            Assert.That(NDArray.Eye(2, 3, 1).ToArray(), Is.EqualTo(new[] { 0f, 1, 0, 0, 0, 1 }));
            Assert.That(NDArray.Linspace(0, 1, 5).ToArray(), Is.EqualTo(new[] { 0f, 0.25f, 0.5f, 0.75f, 1f }));
            Assert.That(NDArray.OnesLike(X()).Sum().Item(), Is.EqualTo(12f));
            Assert.That(NDArray.FullLike(X().T, 2f).Shape, Is.EqualTo(new[] { 4, 3 }));
            Assert.That(NDArray.Empty(2, 5).Shape, Is.EqualTo(new[] { 2, 5 }));
            Assert.That(() => NDArray.Linspace(0, 1, -1), Throws.ArgumentException.With.Message.Contains("Linspace"));
        });
    }

    [Test]
    public void Wrap_SharesTheCallersArray()
    {
        float[] data = [1, 2, 3, 4, 5, 6];
        NDArray x = NDArray.Wrap(data, 2, 3);
        data[4] = 50;
        x[0, 0] = 10;
        NDArray columns = NDArray.Wrap(data, [3, 2], [1, 3]);   // the transpose, by hand
        Assert.Multiple(() =>
        {
            Assert.That(x[1, 1], Is.EqualTo(50f));
            Assert.That(data[0], Is.EqualTo(10f));
            Assert.That(columns.ToArray(), Is.EqualTo(new[] { 10f, 4, 2, 50, 3, 6 }));
            Assert.That(NDArray.Wrap(data, [3], [-2], offset: 4).ToArray(), Is.EqualTo(new[] { 50f, 3, 10 }));
            Assert.That(() => NDArray.Wrap(data, [3, 2], [2, 1], offset: 1), Throws.ArgumentException.With.Message.Contains("[1, 6]").And.Message.Contains("float[6]"));
            Assert.That(() => NDArray.Wrap(data, 4, 2), Throws.ArgumentException.With.Message.Contains("Wrap"));
        });
    }

    [Test]
    public void AllCloseAndArrayEqual()
    {
        NDArray a = NDArray.FromArray([1f, 2, float.NaN]);
        Assert.Multiple(() =>
        {
            Assert.That(NDArray.AllClose(a[..2], NDArray.FromArray([1.000001f, 2f])), Is.True);
            Assert.That(NDArray.AllClose(a, a), Is.False, "NaN is not close to NaN");
            Assert.That(NDArray.AllClose(a, a, equalNan: true), Is.True);
            Assert.That(NDArray.AllClose(X(), X()[0, ..]), Is.False, "broadcasts, then compares");
            Assert.That(() => NDArray.AllClose(X(), a), Throws.ArgumentException.With.Message.Contains("AllClose"));
            Assert.That(NDArray.ArrayEqual(X(), X().T.T), Is.True);
            Assert.That(NDArray.ArrayEqual(X(), X().Reshape(4, 3)), Is.False, "shapes differ");
            Assert.That(NDArray.IsClose(a, a, equalNan: true).ToArray(), Is.EqualTo(new[] { 1f, 1, 1 }));
        });
    }

    [Test]
    public void OverlappingInPlaceAdd_MatchesNumPy()
    {
        // x = np.arange(12.).reshape(4, 3).T; np.add(x[:, 1:], x[:, :-1], out=x[:, 1:]); x.base.reshape(4, 3)
        NDArray b = NDArray.Arange(12);
        NDArray x = b.Reshape(4, 3).T;
        x[.., 1..].AddInPlace(x[.., ..^1]);
        Assert.That(b.ToArray(), Is.EqualTo(new[] { 0f, 1, 2, 3, 5, 7, 9, 11, 13, 15, 17, 19 }));
        Assert.That(NDArray.MayShareMemory(x[.., 1..], x[.., ..^1]), Is.True);
        Assert.That(NDArray.MayShareMemory(b[..6], b[6..]), Is.False);
    }

    [Test]
    public void Describe_TellsTheTruthAboutAStepView()
    {
        NDArray view = X()[Ix.Step(-1), Ix.Step(1, null, 2)];   // x[::-1, 1::2]
        Assert.That(view.Describe(), Does.Contain("strides : (-4, 2)").And.Contain("offset  : 9").And.Contain("contiguous: no"));
    }
}
