using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

public class NDArrayViewTests
{
    [Test]
    public void FromArray_StoresRowMajor_WithContiguousStrides()
    {
        var x = NDArray.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Multiple(() =>
        {
            Assert.That(x.Shape, Is.EqualTo(new[] { 2, 3 }));
            Assert.That(x.Strides, Is.EqualTo(new[] { 3, 1 }));
            Assert.That(x.Offset, Is.Zero);
            Assert.That(x.Size, Is.EqualTo(6));
            Assert.That(x.Rank, Is.EqualTo(2));
            Assert.That(x.IsContiguous, Is.True);
            Assert.That(x[1, 2], Is.EqualTo(6f));
            Assert.That(x[-1, -3], Is.EqualTo(4f));
        });
    }

    [Test]
    public void FromArray_CopiesData()
    {
        float[] data = [1, 2];
        var x = NDArray.FromArray(data);
        data[0] = 9;
        Assert.That(x[0], Is.EqualTo(1f));
    }

    [Test]
    public void Slice_OfBuffer_MatchesTheDrawingInShape()
    {
        // A (3, 4) block at row 1, column 2 of a (5, 6) buffer: offset 8, strides (6, 1).
        var buffer = NDArray.Arange(30).Reshape(5, 6);
        var view = buffer.Slice(0, 1, 4).Slice(1, 2, 6);
        Assert.Multiple(() =>
        {
            Assert.That(view.Shape, Is.EqualTo(new[] { 3, 4 }));
            Assert.That(view.Strides, Is.EqualTo(new[] { 6, 1 }));
            Assert.That(view.Offset, Is.EqualTo(8));
            Assert.That(view.IsContiguous, Is.False);
            Assert.That(view.Storage, Is.SameAs(buffer.Storage));
            Assert.That(view[2, 3], Is.EqualTo(23f));
        });
    }

    [Test]
    public void Slice_WithStepAndNegativeBounds_FollowsPython()
    {
        var x = NDArray.Arange(10);
        Assert.Multiple(() =>
        {
            Assert.That(x.Slice(0, 1, 8, 3).ToArray(), Is.EqualTo(new float[] { 1, 4, 7 }));
            Assert.That(x.Slice(0, -3, 100).ToArray(), Is.EqualTo(new float[] { 7, 8, 9 }));
            Assert.That(x.Slice(0, 8, 2, -2).ToArray(), Is.EqualTo(new float[] { 8, 6, 4 }));
            Assert.That(x.Slice(0, -1, -11, -1).ToArray(), Is.EqualTo(Enumerable.Range(0, 10).Reverse().Select(i => (float)i).ToArray()));
            Assert.That(x.Slice(0, 5, 5).Size, Is.Zero);
        });
    }

    [Test]
    public void Transpose_IsAView_WithPermutedStrides()
    {
        var x = NDArray.Arange(24).Reshape(2, 3, 4);
        var t = x.Transpose(2, 0, 1);
        Assert.Multiple(() =>
        {
            Assert.That(t.Shape, Is.EqualTo(new[] { 4, 2, 3 }));
            Assert.That(t.Strides, Is.EqualTo(new[] { 1, 12, 4 }));
            Assert.That(t.Storage, Is.SameAs(x.Storage));
            Assert.That(t[3, 1, 2], Is.EqualTo(x[1, 2, 3]));
            Assert.That(x.T.Shape, Is.EqualTo(new[] { 4, 3, 2 }));
            Assert.That(x.SwapAxes(0, -1).Shape, Is.EqualTo(new[] { 4, 3, 2 }));
            Assert.That(x.SwapAxes(0, -1)[3, 2, 1], Is.EqualTo(x[1, 2, 3]));
            Assert.That(t.IsContiguous, Is.False);
        });
    }

    [Test]
    public void Reshape_OfContiguous_IsAView_AndInfersMinusOne()
    {
        var x = NDArray.Arange(12);
        var r = x.Reshape(3, -1);
        Assert.Multiple(() =>
        {
            Assert.That(r.Shape, Is.EqualTo(new[] { 3, 4 }));
            Assert.That(r.Storage, Is.SameAs(x.Storage));
        });
    }

    [Test]
    public void Reshape_OfTransposed_Copies_WhenTheLayoutForbidsAView()
    {
        var x = NDArray.Arange(6).Reshape(2, 3).T;          // (3, 2), strides (1, 3)
        var r = x.Reshape(6);
        Assert.Multiple(() =>
        {
            Assert.That(r.Storage, Is.Not.SameAs(x.Storage));
            Assert.That(r.ToArray(), Is.EqualTo(new float[] { 0, 3, 1, 4, 2, 5 }));
        });
    }

    [Test]
    public void Reshape_OfSlicedRows_SplitsAxesWithoutCopy()
    {
        // Rows 0, 2, 4 of a (6, 4) array: each row contiguous, so (3, 4) → (3, 2, 2) is a view.
        var x = NDArray.Arange(24).Reshape(6, 4).Slice(0, 0, 6, 2);
        Assert.That(x.TryReshapeView([3, 2, 2], out var view), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(view!.Strides, Is.EqualTo(new[] { 8, 2, 1 }));
            Assert.That(view.ToArray(), Is.EqualTo(x.ToArray()));
            Assert.That(x.TryReshapeView([12], out _), Is.False);
        });
    }

    [Test]
    public void BroadcastTo_UsesStrideZero_AndNeverCopies()
    {
        var row = NDArray.FromArray([1, 2, 3]);
        var b = row.BroadcastTo(4, 3);
        Assert.Multiple(() =>
        {
            Assert.That(b.Strides, Is.EqualTo(new[] { 0, 1 }));
            Assert.That(b.Storage, Is.SameAs(row.Storage));
            Assert.That(b[3, 2], Is.EqualTo(3f));
        });
    }

    [Test]
    public void SqueezeAndUnsqueeze_AddAndRemoveLengthOneAxes()
    {
        var x = NDArray.Zeros(2, 1, 3);
        Assert.Multiple(() =>
        {
            Assert.That(x.Squeeze().Shape, Is.EqualTo(new[] { 2, 3 }));
            Assert.That(x.Squeeze(1).Shape, Is.EqualTo(new[] { 2, 3 }));
            Assert.That(x.Unsqueeze(0).Shape, Is.EqualTo(new[] { 1, 2, 1, 3 }));
            Assert.That(x.Unsqueeze(-1).Shape, Is.EqualTo(new[] { 2, 1, 3, 1 }));
            Assert.That(() => x.Squeeze(0), Throws.ArgumentException.With.Message.Contains("(2, 1, 3)"));
        });
    }

    [TestCaseSource(typeof(Reference), nameof(Reference.AwkwardShapes))]
    public void ToArrayAndContiguous_MatchIndexer_OnEveryLayout(int[] shape)
    {
        foreach (Reference.Layout layout in Enum.GetValues<Reference.Layout>())
        {
            var x = Reference.Make(layout, 7, shape);
            float[] expected = Reference.Elements(x);
            Assert.That(x.ToArray(), Is.EqualTo(expected), $"layout={layout}");
            Assert.That(x.Contiguous().IsContiguous, Is.True, $"layout={layout}");
            Assert.That(x.Contiguous().ToArray(), Is.EqualTo(expected), $"layout={layout}");
        }
    }

    [Test]
    public void Contiguous_OfContiguousView_ReturnsSameObject()
    {
        var x = NDArray.Arange(12).Reshape(3, 4).Slice(0, 1, 3);   // rows 1..2: contiguous, offset 4
        Assert.Multiple(() =>
        {
            Assert.That(x.IsContiguous, Is.True);
            Assert.That(x.Offset, Is.EqualTo(4));
            Assert.That(x.Contiguous(), Is.SameAs(x));
        });
    }

    [Test]
    public void Clone_CopiesStorage()
    {
        var x = NDArray.Arange(4);
        var c = x.Clone();
        c[0] = 5;
        Assert.That(x[0], Is.Zero);
    }

    [Test]
    public void Creation_Helpers()
    {
        Assert.Multiple(() =>
        {
            Assert.That(NDArray.Ones(2, 2).ToArray(), Is.EqualTo(new float[] { 1, 1, 1, 1 }));
            Assert.That(NDArray.Full([3], 2.5f).ToArray(), Is.EqualTo(new float[] { 2.5f, 2.5f, 2.5f }));
            Assert.That(NDArray.Arange(1f, 2f, 0.25f).ToArray(), Is.EqualTo(new float[] { 1, 1.25f, 1.5f, 1.75f }));
            Assert.That(NDArray.Zeros(0, 3).Size, Is.Zero);
            Assert.That(NDArray.Scalar(4).Rank, Is.Zero);
            Assert.That(NDArray.Scalar(4).Item(), Is.EqualTo(4f));
        });
    }

    [Test]
    public void BadInput_ThrowsArgumentException_NamingOpAndShapes()
    {
        var x = NDArray.Zeros(2, 3);
        Assert.Multiple(() =>
        {
            Assert.That(() => NDArray.Zeros(2, -1), Throws.ArgumentException.With.Message.Contains("Zeros").And.Message.Contains("(2, -1)"));
            Assert.That(() => x.Reshape(4, 2), Throws.ArgumentException.With.Message.Contains("Reshape").And.Message.Contains("(2, 3)").And.Message.Contains("(4, 2)"));
            Assert.That(() => x.Reshape(-1, -1), Throws.ArgumentException.With.Message.Contains("only one dimension"));
            Assert.That(() => x.Transpose(0, 0), Throws.ArgumentException.With.Message.Contains("Transpose"));
            Assert.That(() => x.Transpose(0, 2), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("axis 2").And.Message.Contains("(2, 3)"));
            Assert.That(() => x.Slice(2, 0, 1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("Slice"));
            Assert.That(() => x.Slice(0, 0, 1, 0), Throws.ArgumentException.With.Message.Contains("step"));
            Assert.That(() => x.BroadcastTo(3, 3), Throws.ArgumentException.With.Message.Contains("(2, 3)").And.Message.Contains("(3, 3)"));
            Assert.That(() => x[2, 0], Throws.InstanceOf<IndexOutOfRangeException>().With.Message.Contains("(2, 3)"));
            Assert.That(() => x[0], Throws.ArgumentException.With.Message.Contains("1 indices"));
            Assert.That(() => NDArray.FromArray([1, 2, 3], 2, 2), Throws.ArgumentException.With.Message.Contains("FromArray"));
        });
    }
}

public class TakeTests
{
    [Test]
    public void Take_GathersRowsInOrder_IntoANewOrGivenBuffer()
    {
        var x = NDArray.Arange(12).Reshape(4, 3);
        var rows = x.Take([3, 0, 3]);
        Assert.That(rows.ToArray(), Is.EqualTo(new float[] { 9, 10, 11, 0, 1, 2, 9, 10, 11 }));
        var buffer = NDArray.Zeros(2, 3);
        Assert.That(x.T.Contiguous().T.Take([1, 2], buffer), Is.SameAs(buffer));
        Assert.That(buffer.ToArray(), Is.EqualTo(new float[] { 3, 4, 5, 6, 7, 8 }));
        Assert.That(() => x.Take([4]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("rows[0] = 4").And.Message.Contains("(4, 3)"));
    }
}
