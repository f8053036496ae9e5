using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

public class ReductionTests
{
    private static IEnumerable<int[]> Shapes()
    {
        foreach (int n in new[] { 1, 7, 33, 100, 257 })
        {
            yield return [n];
            yield return [3, n];
            yield return [n, 5];
        }
        yield return [2, 3, 4, 5];
    }

    /// <summary>Reduces along <paramref name="axis"/> (or all) in double precision, element by element.</summary>
    private static (int[] Shape, double[] Values) Reduce(NDArray x, int? axis, Func<IReadOnlyList<double>, double> f)
    {
        int[] shape = x.Shape;
        if (axis is null)
            return ([], [f(Reference.Elements(x).Select(v => (double)v).ToList())]);
        int a = axis.Value < 0 ? axis.Value + shape.Length : axis.Value;
        int[] outShape = shape.Where((_, k) => k != a).ToArray();
        var values = Reference.Indices(outShape).Select(o =>
        {
            var items = new List<double>();
            for (int i = 0; i < shape[a]; i++)
            {
                var index = o.Take(a).Append(i).Concat(o.Skip(a)).ToArray();
                items.Add(x[index]);
            }
            return f(items);
        }).ToArray();
        return (outShape, values);
    }

    private static readonly (string Name, Func<NDArray, int?, NDArray> Op, Func<IReadOnlyList<double>, double> Ref)[] Ops =
    [
        ("Sum", (x, a) => x.Sum(a), v => v.Sum()),
        ("Mean", (x, a) => x.Mean(a), v => v.Average()),
        ("Max", (x, a) => x.Max(a), v => v.Max()),
        ("Min", (x, a) => x.Min(a), v => v.Min()),
        ("Var", (x, a) => x.Var(a), v => { double m = v.Average(); return v.Sum(e => (e - m) * (e - m)) / v.Count; }),
        ("ArgMax", (x, a) => x.ArgMax(a), v => v.Select((e, i) => (e, i)).MaxBy(p => p.e).i),
    ];

    [Test]
    public void Reductions_MatchDoubleReference_OverEveryAxisAndLayout()
    {
        foreach (int[] shape in Shapes())
            foreach (Reference.Layout layout in Enum.GetValues<Reference.Layout>())
            {
                var x = Reference.Make(layout, 11, shape);
                var axes = new int?[] { null }.Concat(Enumerable.Range(0, shape.Length).Select(a => (int?)a)).Append(-1);
                foreach (int? axis in axes)
                    foreach (var (name, op, reference) in Ops)
                    {
                        var (expectedShape, expected) = Reduce(x, axis, reference);
                        NDArray actual = op(x, axis);
                        string where = $"{name} axis={axis} {Scratch.Tensors.Shapes.Format(shape)} {layout}";
                        Assert.That(actual.Shape, Is.EqualTo(expectedShape), where);
                        float[] values = actual.ToArray();
                        for (int i = 0; i < values.Length; i++)
                            Assert.That(values[i], Is.EqualTo(expected[i]).Within(1e-5 * (1 + Math.Abs(expected[i])) * Math.Sqrt(x.Size)), $"{where} i={i}");
                    }
            }
    }

    [Test]
    public void KeepDims_KeepsTheAxisWithLengthOne()
    {
        var x = NDArray.Arange(24).Reshape(2, 3, 4);
        Assert.Multiple(() =>
        {
            Assert.That(x.Sum(1, keepDims: true).Shape, Is.EqualTo(new[] { 2, 1, 4 }));
            Assert.That(x.Max(keepDims: true).Shape, Is.EqualTo(new[] { 1, 1, 1 }));
            Assert.That(x.ArgMax(-1, keepDims: true).Shape, Is.EqualTo(new[] { 2, 3, 1 }));
            Assert.That(x.Var(0, keepDims: true).Shape, Is.EqualTo(new[] { 1, 3, 4 }));
        });
    }

    [Test]
    public void GoldenValues()
    {
        var x = NDArray.FromArray([1, 5, 3, 4, 2, 6], 2, 3);
        Assert.Multiple(() =>
        {
            Assert.That(x.Sum().Item(), Is.EqualTo(21f));
            Assert.That(x.Sum(0).ToArray(), Is.EqualTo(new float[] { 5, 7, 9 }));
            Assert.That(x.Mean(1).ToArray(), Is.EqualTo(new float[] { 3, 4 }));
            Assert.That(x.ArgMax(1).ToArray(), Is.EqualTo(new float[] { 1, 2 }));
            Assert.That(x.ArgMax().Item(), Is.EqualTo(5f));
            // var([1, 5, 3]) = ((1−3)² + (5−3)² + 0) / 3 = 8/3
            Assert.That(x.Var(1).ToArray(), Is.EqualTo(new[] { 8f / 3, 8f / 3 }).Within(1e-6f));
        });
    }

    [Test]
    public void ArgMax_TakesTheFirstOnTies_AndTheFirstNaN()
    {
        Assert.Multiple(() =>
        {
            Assert.That(NDArray.FromArray([2, 7, 7, 1]).ArgMax().Item(), Is.EqualTo(1f));
            Assert.That(NDArray.FromArray([2, float.NaN, 9, float.NaN]).ArgMax().Item(), Is.EqualTo(1f));
            Assert.That(NDArray.FromArray([2, 7, 7, 1, float.NaN, 0], 3, 2).ArgMax(0).ToArray(), Is.EqualTo(new float[] { 2, 0 }));
        });
    }

    [Test]
    public void Sum_Into_ReusesTheBuffer()
    {
        var dout = Reference.Random(1, 100, 10);
        var grad = NDArray.Zeros(10);
        dout.Sum(0, into: grad);
        long before = GC.GetAllocatedBytesForCurrentThread();
        dout.Sum(0, into: grad);
        Assert.Multiple(() =>
        {
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1024));   // only small shape arrays
            Assert.That(grad.ToArray(), Is.EqualTo(dout.Sum(0).ToArray()));
        });
    }

    [Test]
    public void EmptyReductions()
    {
        var empty = NDArray.Zeros(0, 3);
        Assert.Multiple(() =>
        {
            Assert.That(empty.Sum().Item(), Is.Zero);
            Assert.That(empty.Sum(0).ToArray(), Is.EqualTo(new float[] { 0, 0, 0 }));
            Assert.That(float.IsNaN(empty.Mean().Item()), Is.True);
            Assert.That(() => empty.Max(), Throws.ArgumentException.With.Message.Contains("Max").And.Message.Contains("(0, 3)"));
            Assert.That(() => empty.ArgMax(), Throws.ArgumentException.With.Message.Contains("ArgMax"));
            Assert.That(() => empty.Sum(2), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("axis 2"));
        });
    }
}
