using Scratch.Data;
using Scratch.Tensors;

namespace Scratch.Tests.Data;

public class PreprocessingTests
{
    [Test]
    public void OneHot_GoldenValues()
    {
        // [2, 0, 1, 2] with 3 classes: a 1 at column t[i] of row i
        NDArray y = Preprocessing.OneHot(NDArray.FromArray([2, 0, 1, 2]), 3);
        Assert.That(y.Shape, Is.EqualTo(new[] { 4, 3 }));
        Assert.That(y.ToArray(), Is.EqualTo(new float[] { 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1 }));
    }

    [Test]
    public void OneHot_OfAStridedView()
    {
        NDArray labels = NDArray.FromArray([9, 1, 9, 0]).Slice(0, 1, 4, 2);   // [1, 0]
        Assert.That(Preprocessing.OneHot(labels, 2).ToArray(), Is.EqualTo(new float[] { 0, 1, 1, 0 }));
    }

    [TestCase(3f)]
    [TestCase(-1f)]
    [TestCase(0.5f)]
    [TestCase(float.NaN)]
    public void OneHot_BadLabel_Throws(float bad) =>
        Assert.That(() => Preprocessing.OneHot(NDArray.FromArray([0, bad]), 3),
            Throws.ArgumentException.With.Message.Contains("label 1 is"));

    [Test]
    public void OneHot_WrongRank_Throws() =>
        Assert.That(() => Preprocessing.OneHot(NDArray.Zeros(2, 1), 3), Throws.ArgumentException.With.Message.Contains("expected labels (N,), got (2, 1)"));

    [Test]
    public void Normalize_Scalar_And_PerFeature()
    {
        var x = NDArray.FromArray([1, 10, 3, 30], 2, 2);
        // (x − 2) / 4 = [-0.25, 2, 0.25, 7]
        Assert.That(Preprocessing.Normalize(x, 2f, 4f).ToArray(), Is.EqualTo(new[] { -0.25f, 2f, 0.25f, 7f }));
        // per column: mean (2, 20), std (1, 10) → [-1, -1, 1, 1]
        Assert.That(Preprocessing.Normalize(x, NDArray.FromArray([2, 20]), NDArray.FromArray([1, 10])).ToArray(),
            Is.EqualTo(new[] { -1f, -1f, 1f, 1f }));
        Assert.That(() => Preprocessing.Normalize(x, 0f, 0f), Throws.ArgumentException);
    }

    [Test]
    public void MinMaxScale_MapsToUnitInterval()
    {
        // (x − 2) / (10 − 2)
        Assert.That(Preprocessing.MinMaxScale(NDArray.FromArray([2, 4, 10, 6])).ToArray(), Is.EqualTo(new[] { 0f, 0.25f, 1f, 0.5f }));
        Assert.That(Preprocessing.MinMaxScale(NDArray.Full([3], 7f)).ToArray(), Is.EqualTo(new[] { 0f, 0f, 0f }));
    }

    [Test]
    public void StandardScaler_FitsOnTrain_AppliesToTest()
    {
        // column 0: 1, 3 → μ 2, σ 1; column 1: 5, 5 → μ 5, σ 0 → 1 (only centred)
        var train = NDArray.FromArray([1, 5, 3, 5], 2, 2);
        var test = NDArray.FromArray([4, 7], 1, 2);
        var scaler = StandardScaler.Fit(train);
        Assert.That(scaler.Mean.ToArray(), Is.EqualTo(new[] { 2f, 5f }));
        Assert.That(scaler.Std.ToArray(), Is.EqualTo(new[] { 1f, 1f }));
        Assert.That(scaler.Transform(train).ToArray(), Is.EqualTo(new[] { -1f, 0f, 1f, 0f }));
        Assert.That(scaler.Transform(test).ToArray(), Is.EqualTo(new[] { 2f, 2f }), "train statistics, not the test's");
        Assert.That(() => scaler.Transform(NDArray.Zeros(1, 3)), Throws.ArgumentException.With.Message.Contains("(M, 2)"));
    }

    [Test]
    public void StandardScaler_ZScoredTrain_HasZeroMeanUnitStd()
    {
        var x = NDArray.Zeros(500, 3);
        new RandomState(4).FillNormal(x.AsSpan(), mean: 5, std: 3);
        var (_, z) = StandardScaler.FitTransform(x);
        Assert.That(z.Mean(axis: 0).ToArray(), Is.All.EqualTo(0f).Within(1e-5f));
        Assert.That(z.Var(axis: 0).ToArray(), Is.All.EqualTo(1f).Within(1e-4f));
    }

    [Test]
    public void StandardScaler_OneFeatureVector()
    {
        var scaler = StandardScaler.Fit(NDArray.FromArray([1, 3]));
        Assert.That(scaler.Transform(NDArray.FromArray([2, 4])).ToArray(), Is.EqualTo(new[] { 0f, 2f }));
    }

    [Test]
    public void TrainValidationSplit_BookSizes_Disjoint_AndCoverAllRows()
    {
        int n = 1000;
        var x = NDArray.Arange(n).Reshape(n, 1) * NDArray.FromArray([1, -1]);   // row i = (i, −i)
        var t = NDArray.Arange(n);
        var ((xTrain, tTrain), (xVal, tVal)) = Preprocessing.TrainValidationSplit(x, t, 0.2, new RandomState(0));
        Assert.Multiple(() =>
        {
            Assert.That(xVal.Shape, Is.EqualTo(new[] { 200, 2 }), "int(1000 · 0.2)");
            Assert.That(tVal.Shape, Is.EqualTo(new[] { 200 }));
            Assert.That(xTrain.Shape, Is.EqualTo(new[] { 800, 2 }));
            Assert.That(tTrain.Shape, Is.EqualTo(new[] { 800 }));
            float[] val = tVal.ToArray(), train = tTrain.ToArray();
            Assert.That(val.Intersect(train), Is.Empty);
            Assert.That(val.Concat(train).Order(), Is.EqualTo(Enumerable.Range(0, n).Select(i => (float)i)));
            Assert.That(xTrain.Slice(1, 0, 1).ToArray(), Is.EqualTo(train), "x rows travel with their t");
            Assert.That(xTrain.Slice(1, 1, 2).ToArray(), Is.EqualTo(train.Select(v => -v)));
        });
    }

    [Test]
    public void TrainValidationSplit_IsTheBooksShuffleThenSlice()
    {
        // shuffle_dataset: permutation = np.random.permutation(N); validation = first int(N·rate) rows
        var t = NDArray.Arange(10);
        int[] permutation = new RandomState(77).Permutation(10);
        var ((_, tTrain), (_, tVal)) = Preprocessing.TrainValidationSplit(t.Reshape(10, 1), t, 0.3, new RandomState(77));
        Assert.That(tVal.ToArray(), Is.EqualTo(permutation[..3].Select(i => (float)i)));
        Assert.That(tTrain.ToArray(), Is.EqualTo(permutation[3..].Select(i => (float)i)));
    }

    [Test]
    public void TrainValidationSplit_BadArguments_Throw()
    {
        var rs = new RandomState(0);
        Assert.That(() => Preprocessing.TrainValidationSplit(NDArray.Zeros(3, 2), NDArray.Zeros(4), 0.2, rs), Throws.ArgumentException);
        Assert.That(() => Preprocessing.TrainValidationSplit(NDArray.Zeros(3, 2), NDArray.Zeros(3), 1.5, rs), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}
