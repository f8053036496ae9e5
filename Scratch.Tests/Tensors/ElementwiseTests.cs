using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Tests.Tensors;

public class ElementwiseTests
{
    private static readonly (string Name, Func<NDArray, NDArray, NDArray> Op, Func<float, float, float> Scalar)[] BinaryOps =
    [
        ("Add", (a, b) => a + b, (x, y) => x + y),
        ("Subtract", (a, b) => a - b, (x, y) => x - y),
        ("Multiply", (a, b) => a * b, (x, y) => x * y),
        ("Divide", (a, b) => a / b, (x, y) => x / y),
        ("Maximum", (a, b) => NDArray.Maximum(a, b), MathF.Max),
        ("Minimum", (a, b) => NDArray.Minimum(a, b), MathF.Min),
        ("Greater", (a, b) => a > b, (x, y) => x > y ? 1 : 0),
        ("LessEqual", (a, b) => a <= b, (x, y) => x <= y ? 1 : 0),
        ("Equal", (a, b) => NDArray.Equal(a, b), (x, y) => x == y ? 1 : 0),
        ("NotEqual", (a, b) => NDArray.NotEqual(a, b), (x, y) => x != y ? 1 : 0),
    ];

    private static readonly (string Name, Func<NDArray, NDArray> Op, Func<float, float> Scalar, float Tolerance)[] UnaryOps =
    [
        ("Exp", x => x.Exp(), MathF.Exp, 1e-6f),
        ("Log", x => x.Abs().Log(), v => MathF.Log(MathF.Abs(v)), 1e-6f),
        ("Sqrt", x => x.Abs().Sqrt(), v => MathF.Sqrt(MathF.Abs(v)), 1e-6f),
        ("Abs", x => x.Abs(), MathF.Abs, 0f),
        ("Negate", x => -x, v => -v, 0f),
        ("Tanh", x => x.Tanh(), MathF.Tanh, 1e-6f),
        ("Sigmoid", x => x.Sigmoid(), v => 1f / (1f + MathF.Exp(-v)), 1e-6f),
        ("Relu", x => x.Relu(), v => MathF.Max(v, 0), 0f),
        ("Square", x => x.Square(), v => v * v, 0f),
        ("Pow3", x => x.Pow(3f), v => MathF.Pow(v, 3), 1e-6f),
        ("Clip", x => x.Clip(-0.5f, 0.25f), v => Math.Clamp(v, -0.5f, 0.25f), 0f),
    ];

    /// <summary>Pairs of shapes that broadcast: same shape, row, column, scalar, and leading axes.</summary>
    private static IEnumerable<(int[] A, int[] B)> BroadcastPairs()
    {
        foreach (int n in new[] { 1, 7, 33, 100, 257 })
        {
            yield return ([n], [n]);
            yield return ([3, n], [3, n]);
            yield return ([3, n], [n]);          // bias-style row broadcast
            yield return ([n, 5], [n, 1]);       // column broadcast
            yield return ([n, 4], []);           // scalar
            yield return ([1, n], [5, 1]);       // both stretch
        }
        yield return ([2, 3, 4, 5], [3, 1, 5]);
        yield return ([0, 3], [3]);
    }

    private static float[] Expected(NDArray a, NDArray b, int[] shape, Func<float, float, float> f) =>
        Reference.Indices(shape).Select(i => f(At(a, i), At(b, i))).ToArray();

    /// <summary>The element of <paramref name="x"/> that broadcasting maps to result index <paramref name="i"/>.</summary>
    private static float At(NDArray x, int[] i)
    {
        int shift = i.Length - x.Rank;
        return x[Enumerable.Range(0, x.Rank).Select(k => x.Shape[k] == 1 ? 0 : i[k + shift]).ToArray()];
    }

    [Test]
    public void BinaryOps_MatchScalarReference_OnEveryLayoutAndBroadcast()
    {
        foreach (var (sa, sb) in BroadcastPairs())
            foreach (Reference.Layout la in Enum.GetValues<Reference.Layout>())
                foreach (Reference.Layout lb in new[] { Reference.Layout.Contiguous, Reference.Layout.Transposed, Reference.Layout.Strided })
                {
                    var a = Reference.Make(la, 1, sa);
                    var b = Reference.Make(lb, 2, sb);
                    int[] shape = Shapes.Broadcast("test", sa, sb);
                    foreach (var (name, op, scalar) in BinaryOps)
                    {
                        NDArray result = op(a, b);
                        Assert.That(result.Shape, Is.EqualTo(shape), $"{name} {Shapes.Format(sa)}∘{Shapes.Format(sb)}");
                        Assert.That(result.ToArray(), Is.EqualTo(Expected(a, b, shape, scalar)),
                            $"{name} {Shapes.Format(sa)} {la} ∘ {Shapes.Format(sb)} {lb}");
                    }
                }
    }

    [Test]
    public void FastPaths_MatchTheStridedPath_ForEveryOp()
    {
        foreach (var (sa, sb) in BroadcastPairs())
        {
            var a = Reference.Random(3, sa);
            var b = Reference.Random(4, sb);
            int[] shape = Shapes.Broadcast("test", sa, sb);
            var fast = NDArray.Zeros(shape);
            var strided = NDArray.Zeros(shape);
            NDArray.BinaryInto<AddOp>(a, b, fast);
            NDArray.BinaryIntoStrided<AddOp>(a, b, strided);
            Assert.That(fast.ToArray(), Is.EqualTo(strided.ToArray()), $"{Shapes.Format(sa)} + {Shapes.Format(sb)}");
            NDArray.BinaryInto<Compare<GreaterCmp>>(a, b, fast);
            NDArray.BinaryIntoStrided<Compare<GreaterCmp>>(a, b, strided);
            Assert.That(fast.ToArray(), Is.EqualTo(strided.ToArray()), $"{Shapes.Format(sa)} > {Shapes.Format(sb)}");
        }
    }

    [Test]
    public void UnaryOps_MatchScalarReference_OnEveryLayout()
    {
        foreach (int[] shape in Reference.AwkwardShapes())
            foreach (Reference.Layout layout in Enum.GetValues<Reference.Layout>())
            {
                var x = Reference.Make(layout, 5, shape);
                float[] input = Reference.Elements(x);
                foreach (var (name, op, scalar, tolerance) in UnaryOps)
                {
                    float[] actual = op(x).ToArray();
                    for (int i = 0; i < input.Length; i++)
                        Assert.That(actual[i], Is.EqualTo(scalar(input[i])).Within(tolerance * (1 + MathF.Abs(scalar(input[i])))),
                            $"{name} {Shapes.Format(shape)} {layout} i={i}");
                }
            }
    }

    [Test]
    public void SpecialValues_FollowIeeeRules_InEveryLength()
    {
        // Every length 0…40 covers each vector tail; NaN, ±∞ and −0 must give the scalar reference's answer.
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, 1.5f, -2f];
        for (int n = 0; n <= 40; n++)
        {
            var data = Enumerable.Range(0, n).Select(i => specials[i % specials.Length]).ToArray();
            var other = Enumerable.Range(0, n).Select(i => specials[(i * 3 + 1) % specials.Length]).ToArray();
            var x = NDArray.FromArray(data);
            var y = NDArray.FromArray(other);
            float[] max = NDArray.Maximum(x, y).ToArray(), gt = (x > y).ToArray(), relu = x.Relu().ToArray(), ne = NDArray.NotEqual(x, y).ToArray();
            for (int i = 0; i < n; i++)
            {
                Assert.That(max[i], Is.EqualTo(MathF.Max(data[i], other[i])), $"max n={n} i={i}");
                Assert.That(gt[i], Is.EqualTo(data[i] > other[i] ? 1f : 0f), $"> n={n} i={i}");
                Assert.That(relu[i], Is.EqualTo(MathF.Max(data[i], 0f)), $"relu n={n} i={i}");
                Assert.That(ne[i], Is.EqualTo(data[i] != other[i] ? 1f : 0f), $"!= n={n} i={i}");
            }
        }
    }

    [Test]
    public void ScalarOperators_Broadcast()
    {
        var x = NDArray.FromArray([1, 2, 3]);
        Assert.Multiple(() =>
        {
            Assert.That((x + 1).ToArray(), Is.EqualTo(new float[] { 2, 3, 4 }));
            Assert.That((10 - x).ToArray(), Is.EqualTo(new float[] { 9, 8, 7 }));
            Assert.That((x * 2).ToArray(), Is.EqualTo(new float[] { 2, 4, 6 }));
            Assert.That((6 / x).ToArray(), Is.EqualTo(new float[] { 6, 3, 2 }));
            Assert.That((x >= 2).ToArray(), Is.EqualTo(new float[] { 0, 1, 1 }));
        });
    }

    [Test]
    public void InPlaceOps_WriteIntoTheView_AndAllocateNothing()
    {
        var w = Reference.Random(1, 64, 33);
        var g = Reference.Random(2, 64, 33);
        float[] expected = w.ToArray().Zip(g.ToArray(), (a, b) => a + -0.1f * b).ToArray();
        w.ScaledAddInPlace(-0.1f, g);
        Assert.That(w.ToArray(), Is.EqualTo(expected).Within(1e-6f));

        w.ScaledAddInPlace(1f, g);   // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            w.ScaledAddInPlace(0.5f, g);
            w.MultiplyInPlace(0.9f);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void InPlaceOps_OnStridedView_TouchOnlyTheView()
    {
        var buffer = NDArray.Zeros(4, 6);
        var view = buffer.Slice(1, 0, 6, 2);                  // columns 0, 2, 4
        view.AddInPlace(NDArray.FromArray([1, 2, 3]));        // row broadcast
        Assert.That(buffer.ToArray(), Is.EqualTo(Enumerable.Range(0, 24).Select(i => i % 2 == 0 ? (float)(i % 6 / 2 + 1) : 0f).ToArray()));
    }

    [Test]
    public void Into_WritesTheResultWithoutAllocatingIt()
    {
        var a = Reference.Random(1, 5, 7);
        var into = NDArray.Zeros(5, 7);
        var result = NDArray.Add(a, NDArray.FromArray([1f]), into);
        Assert.Multiple(() =>
        {
            Assert.That(result, Is.SameAs(into));
            Assert.That(into.ToArray(), Is.EqualTo(a.ToArray().Select(v => v + 1).ToArray()));
        });
    }

    [Test]
    public void BadInput_NamesOpAndBothShapes()
    {
        var a = NDArray.Zeros(64, 10);
        var b = NDArray.Zeros(64);
        Assert.Multiple(() =>
        {
            Assert.That(() => a + b, Throws.ArgumentException.With.Message.EqualTo("Add: cannot broadcast (64, 10) with (64,): dimension -1 is 10 vs 64."));
            Assert.That(() => NDArray.Add(a, a, NDArray.Zeros(64, 1)), Throws.ArgumentException.With.Message.Contains("into has shape (64, 1), expected (64, 10)"));
            Assert.That(() => NDArray.Add(a, a, NDArray.Zeros(10).BroadcastTo(64, 10)), Throws.ArgumentException.With.Message.Contains("broadcast view"));
            Assert.That(() => a.Clip(1, 0), Throws.ArgumentException.With.Message.Contains("Clip"));
            Assert.That(() => a.ScaledAddInPlace(1, b), Throws.ArgumentException.With.Message.Contains("ScaledAddInPlace"));
        });
    }
}
