using Scratch.Data;
using Scratch.Tensors;

namespace Scratch.Tests.Data;

public class MiniBatchesTests
{
    // Row i of x is (i, 1000 + i, 2000 + i) as a (N, 3) array, or the same values seen as (N, 1, 1, 3); t[i] = i.
    private static (NDArray X, NDArray T) Rows(int n, bool image = false)
    {
        var x = new float[n * 3];
        for (int i = 0; i < n; i++)
            (x[3 * i], x[3 * i + 1], x[3 * i + 2]) = (i, 1000 + i, 2000 + i);
        return (image ? NDArray.FromArray(x, n, 1, 1, 3) : NDArray.FromArray(x, n, 3), NDArray.Arange(n));
    }

    private static void AssertRowsMatch(NDArray xb, NDArray tb, ReadOnlySpan<int> rows, string because)
    {
        float[] xs = xb.ToArray(), ts = tb.ToArray();
        Assert.That(ts, Has.Length.EqualTo(rows.Length), because);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.That(ts[i], Is.EqualTo(rows[i]), $"{because}, i={i}");
            Assert.That(xs.AsSpan(3 * i, 3).ToArray(), Is.EqualTo(new float[] { rows[i], 1000 + rows[i], 2000 + rows[i] }), $"{because}, i={i}");
        }
    }

    [Test]
    public void Epoch_VisitsEveryRowExactlyOnce_InPermutationOrder()
    {
        var (x, t) = Rows(103);
        var batches = new MiniBatches(x, t, batchSize: 10, new RandomState(5));
        int[] expectedOrder = new RandomState(5).Permutation(103);
        var seen = new List<int>();
        var sizes = new List<int>();
        foreach (var (xb, tb) in batches.Epoch())
        {
            AssertRowsMatch(xb, tb, batches.LastRows, $"batch {sizes.Count}");
            seen.AddRange(tb.ToArray().Select(v => (int)v));
            sizes.Add(tb.Dim(0));
        }
        Assert.That(seen, Is.EqualTo(expectedOrder), "perm[i·B : (i+1)·B] in order, as np.random.permutation(N)");
        Assert.That(seen.Order(), Is.EqualTo(Enumerable.Range(0, 103)));
        Assert.That(sizes, Is.EqualTo(Enumerable.Repeat(10, 10).Append(3)));
        Assert.That(batches.BatchesPerEpoch(), Is.EqualTo(11));
    }

    [Test]
    public void Epoch_DropLast_SkipsThePartialBatch()
    {
        var (x, t) = Rows(25);
        var batches = new MiniBatches(x, t, 10, new RandomState(1));
        Assert.That(batches.Epoch(dropLast: true).Select(b => b.T.Dim(0)), Is.EqualTo(new[] { 10, 10 }));
        Assert.That(batches.BatchesPerEpoch(dropLast: true), Is.EqualTo(2));
    }

    [Test]
    public void Epoch_SuccessiveEpochs_DrawFreshPermutations()
    {
        var (x, t) = Rows(20);
        var batches = new MiniBatches(x, t, 20, new RandomState(9));
        var reference = new RandomState(9);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var (_, tb) = batches.Epoch().Single();
            Assert.That(tb.ToArray(), Is.EqualTo(reference.Permutation(20).Select(i => (float)i)), $"epoch {epoch}");
        }
    }

    [Test]
    public void Epoch_SameSeed_SameBatches()
    {
        var (x, t) = Rows(50);
        float[][] Run(uint seed) =>
            new MiniBatches(x, t, 8, new RandomState(seed)).Epoch().Select(b => b.X.ToArray()).ToArray();
        float[][] a = Run(42), b = Run(42), c = Run(43);
        Assert.That(b, Is.EqualTo(a));
        Assert.That(c, Is.Not.EqualTo(a));
    }

    [Test]
    public void Epoch_IntoBuffers_SameRowsAsAllocatingForm_WithoutAllocating()
    {
        var (x, t) = Rows(64, image: true);
        var alloc = new MiniBatches(x, t, 16, new RandomState(3));
        var reuse = new MiniBatches(x, t, 16, new RandomState(3));
        var xb = NDArray.Zeros(16, 1, 1, 3);
        var tb = NDArray.Zeros(16);
        var expected = alloc.Epoch().ToList();
        int count = 0;
        long allocated = 0;
        foreach (int b in reuse.Epoch(xb, tb))
        {
            Assert.That(xb.ToArray(), Is.EqualTo(expected[b].X.ToArray()), $"batch {b}");
            Assert.That(tb.ToArray(), Is.EqualTo(expected[b].T.ToArray()), $"batch {b}");
            count++;
        }
        Assert.That(count, Is.EqualTo(4));

        // Steady state: gathering one batch into the buffers allocates nothing.
        reuse.Sample(xb, tb);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < 100; step++)
            reuse.Sample(xb, tb);
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void Sample_WithReplacement_EqualsRandomStateChoice()
    {
        var (x, t) = Rows(30);
        var batches = new MiniBatches(x, t, 12, new RandomState(2024));
        var reference = new RandomState(2024);
        for (int step = 0; step < 5; step++)
        {
            int[] mask = reference.Choice(30, 12);   // batch_mask = np.random.choice(train_size, batch_size)
            var (xb, tb) = batches.Sample();
            Assert.That(batches.LastRows.ToArray(), Is.EqualTo(mask), $"step {step}");
            AssertRowsMatch(xb, tb, mask, $"step {step}");
        }
    }

    [Test]
    public void Sample_IntoBuffers_EqualsAllocatingForm()
    {
        var (x, t) = Rows(30);
        var a = new MiniBatches(x, t, 7, new RandomState(8));
        var b = new MiniBatches(x, t, 7, new RandomState(8));
        var xb = NDArray.Zeros(7, 3);
        var tb = NDArray.Zeros(7);
        for (int step = 0; step < 3; step++)
        {
            var (xe, te) = a.Sample();
            b.Sample(xb, tb);
            Assert.That(xb.ToArray(), Is.EqualTo(xe.ToArray()), $"step {step}");
            Assert.That(tb.ToArray(), Is.EqualTo(te.ToArray()), $"step {step}");
        }
    }

    [Test]
    public void Take_GathersRows_AnyRank_WithRepeats()
    {
        var (x, t) = Rows(6, image: true);
        int[] rows = [5, 0, 5, 2];
        NDArray xb = x.Take(rows);
        Assert.That(xb.Shape, Is.EqualTo(new[] { 4, 1, 1, 3 }));
        AssertRowsMatch(xb, t.Take(rows), rows, "x[[5, 0, 5, 2]]");
        Assert.That(x.Take([]).Shape, Is.EqualTo(new[] { 0, 1, 1, 3 }));
    }

    [Test]
    public void Take_FromNonContiguousView_MatchesContiguousCopy()
    {
        // Columns 1 and 3 of a (5, 4) array: a strided view.
        var full = NDArray.Arange(20).Reshape(5, 4);
        var view = full.Slice(1, 1, 4, 2);
        Assert.That(view.IsContiguous, Is.False);
        int[] rows = [4, 1, 1];
        Assert.That(view.Take(rows).ToArray(), Is.EqualTo(new float[] { 17, 19, 5, 7, 5, 7 }));
        Assert.That(view.Contiguous().Take(rows).ToArray(), Is.EqualTo(new float[] { 17, 19, 5, 7, 5, 7 }));
    }

    [Test]
    public void Take_OffsetSlice_UsesTheOffset()
    {
        var x = NDArray.Arange(12).Reshape(6, 2).Slice(0, 2, 6);   // rows 2…5, contiguous with offset 4
        Assert.That(x.Offset, Is.EqualTo(4));
        Assert.That(x.Take([3, 0]).ToArray(), Is.EqualTo(new float[] { 10, 11, 4, 5 }));
    }

    [Test]
    public void Take_BadArguments_Throw()
    {
        var (x, _) = Rows(4);
        Assert.That(() => x.Take([4]), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("rows[0] = 4 is out of range for x (4, 3)"));
        Assert.That(() => x.Take([-1]), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => x.Take([0, 1], NDArray.Zeros(2, 4)), Throws.ArgumentException.With.Message.Contains("into has shape (2, 4), expected (2, 3)"));
        Assert.That(() => x.Take([0, 1], NDArray.Zeros(3, 2).T), Throws.ArgumentException.With.Message.Contains("contiguous"));
    }

    [Test]
    public void Constructor_BadArguments_Throw()
    {
        var (x, t) = Rows(4);
        var rs = new RandomState(0);
        Assert.That(() => new MiniBatches(x, NDArray.Arange(5), 2, rs), Throws.ArgumentException.With.Message.Contains("same number of rows"));
        Assert.That(() => new MiniBatches(x, t, 0, rs), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => new MiniBatches(x, t, 5, rs), Throws.TypeOf<ArgumentOutOfRangeException>());
        var batches = new MiniBatches(x, t, 2, rs);
        Assert.That(() => batches.Sample(NDArray.Zeros(3, 3), NDArray.Zeros(3)), Throws.ArgumentException.With.Message.Contains("(2, 3)"));
        Assert.That(() => batches.Epoch(NDArray.Zeros(2, 3), NDArray.Zeros(2, 1)), Throws.ArgumentException.With.Message.Contains("tBatch"));
    }
}
