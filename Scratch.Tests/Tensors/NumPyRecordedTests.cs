using System.Text.Json;
using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

/// <summary>
/// The NumPy-named operations against NumPy's own results, recorded by TestData/numpy/record.py, with every
/// input fed in four layouts: contiguous, transposed, strided (every other element) and reversed (negative strides).
/// </summary>
public class NumPyRecordedTests
{
    public sealed record Case(int Number, string Op, JsonElement Element)
    {
        public override string ToString() => $"{Number:000} {Op} {Element.GetProperty("args")}";
    }

    public static readonly string[] Layouts = ["contiguous", "transposed", "strided", "reversed"];

    private static readonly Lazy<JsonDocument> Recorded = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "numpy", "cases.json"))));

    public static IEnumerable<TestCaseData> Cases()
    {
        int number = 0;
        foreach (JsonElement c in Recorded.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            var item = new Case(number++, c.GetProperty("op").GetString()!, c);
            foreach (string layout in Layouts)
                yield return new TestCaseData(item, layout).SetName($"NumPy_{item.Op}_{item.Number:000}_{layout}");
        }
    }

    [Test]
    public void Recordings_AreFromNumPy() =>
        Assert.That(Recorded.Value.RootElement.GetProperty("numpy").GetString(), Does.Match(@"^\d+\.\d+"));

    [TestCaseSource(nameof(Cases))]
    public void Operation_MatchesNumPy(Case c, string layout)
    {
        JsonElement args = c.Element.GetProperty("args");
        NDArray[] inputs = c.Element.GetProperty("inputs").EnumerateArray().Select(i => Lay(Parse(i), layout)).ToArray();
        JsonElement expected = c.Element.GetProperty("expected");
        string where = $"case {c}, layout {layout}";
        switch (c.Op)
        {
            case "index":
            {
                NDArray view = inputs[0][ParseIndex(args.GetProperty("index").GetString()!)];
                AssertClose(view, Parse(expected), 0, 0, where);
                Assert.That(view.Storage, Is.SameAs(inputs[0].Storage), "a view shares its storage: " + where);
                return;
            }
            case "concatenate": AssertClose(NDArray.Concatenate(inputs, Int(args, "axis")), Parse(expected), 0, 0, where); return;
            case "stack": AssertClose(NDArray.Stack(inputs, Int(args, "axis")), Parse(expected), 0, 0, where); return;
            case "split_sections":
                AssertAll(NDArray.Split(inputs[0], Int(args, "sections"), Int(args, "axis")), expected, inputs[0], where);
                return;
            case "split_indices":
                AssertAll(NDArray.Split(inputs[0], Ints(args, "indices"), Int(args, "axis")), expected, inputs[0], where);
                return;
            case "where": AssertClose(NDArray.Where(inputs[0], inputs[1], inputs[2]), Parse(expected), 0, 0, where); return;
            case "mask": AssertClose(inputs[0][inputs[1]], Parse(expected), 0, 0, where); return;
            case "take": AssertClose(inputs[0].Take(Ints(args, "indices"), Int(args, "axis")), Parse(expected), 0, 0, where); return;
            case "argmin": AssertClose(inputs[0].ArgMin(NullableInt(args, "axis")), Parse(expected), 0, 0, where); return;
            case "argmax": AssertClose(inputs[0].ArgMax(NullableInt(args, "axis")), Parse(expected), 0, 0, where); return;
            case "sum" or "mean" or "max" or "min" or "var" or "std":
            {
                int[] axes = Ints(args, "axes");
                bool keep = args.GetProperty("keepdims").GetBoolean();
                NDArray x = inputs[0];
                NDArray actual = c.Op switch
                {
                    "sum" => x.Sum(axes, keep),
                    "mean" => x.Mean(axes, keep),
                    "max" => x.Max(axes, keep),
                    "min" => x.Min(axes, keep),
                    "var" => x.Var(axes, keep),
                    _ => x.Std(axes, keep),
                };
                AssertClose(actual, Parse(expected), 1e-5, 1e-6, where);
                return;
            }
            case "softmax": AssertClose(inputs[0].Softmax(Int(args, "axis")), Parse(expected), 1e-5, 1e-7, where); return;
            case "log_softmax": AssertClose(inputs[0].LogSoftmax(Int(args, "axis")), Parse(expected), 1e-5, 1e-5, where); return;
            case "cumsum": AssertClose(inputs[0].CumSum(NullableInt(args, "axis")), Parse(expected), 1e-6, 1e-6, where); return;
            case "eye":
                AssertClose(NDArray.Eye(Int(args, "n"), NullableInt(args, "m"), Int(args, "k")), Parse(expected), 0, 0, where);
                return;
            case "linspace":
                AssertClose(NDArray.Linspace(args.GetProperty("start").GetSingle(), args.GetProperty("stop").GetSingle(),
                    Int(args, "num"), args.GetProperty("endpoint").GetBoolean()), Parse(expected), 0, 0, where);
                return;
            case "allclose":
                Assert.That(NDArray.AllClose(inputs[0], inputs[1], args.GetProperty("rtol").GetDouble(), args.GetProperty("atol").GetDouble()),
                    Is.EqualTo(expected.GetBoolean()), where);
                return;
            case "array_equal": Assert.That(NDArray.ArrayEqual(inputs[0], inputs[1]), Is.EqualTo(expected.GetBoolean()), where); return;
            case "overlap_add":
            {
                // NumPy: x = arange(12).reshape(4, 3).T; np.add(x[:, 1:], x[:, :-1], out=x[:, 1:]); the base is read back.
                NDArray b = inputs[0].Clone();
                NDArray x = b.Reshape(4, 3).T;
                x[.., 1..].AddInPlace(x[.., ..^1]);
                AssertClose(b, Parse(expected), 0, 0, where);
                return;
            }
            default: Assert.Fail($"unknown op {c.Op}"); return;
        }
    }

    // ---- reading the recordings ------------------------------------------------------------------------

    private static NDArray Parse(JsonElement array)
    {
        int[] shape = array.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        float[] data = array.GetProperty("data").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String
            ? v.GetString() switch { "nan" => float.NaN, "inf" => float.PositiveInfinity, _ => float.NegativeInfinity }
            : v.GetSingle()).ToArray();
        return shape.Length == 0 ? NDArray.Scalar(data[0]) : NDArray.FromArray(data, shape);
    }

    private static int Int(JsonElement args, string name) => args.GetProperty(name).GetInt32();
    private static int? NullableInt(JsonElement args, string name) =>
        args.GetProperty(name).ValueKind == JsonValueKind.Null ? null : args.GetProperty(name).GetInt32();
    private static int[] Ints(JsonElement args, string name) => args.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    /// <summary>NumPy's index text (<c>"1:3, ::-1, None, ..."</c>) as Ix entries.</summary>
    internal static Ix[] ParseIndex(string text) => text.Split(',').Select(part =>
    {
        part = part.Trim();
        if (part == "None") return Ix.NewAxis;
        if (part == "...") return Ix.Ellipsis;
        if (!part.Contains(':')) return (Ix)int.Parse(part);
        string[] bounds = part.Split(':');
        int? Bound(int i) => i < bounds.Length && bounds[i].Length > 0 ? int.Parse(bounds[i]) : null;
        return Ix.Step(Bound(0), Bound(1), Bound(2) ?? 1);
    }).ToArray();

    /// <summary>The same logical array as <paramref name="x"/> in another memory layout.</summary>
    internal static NDArray Lay(NDArray x, string layout)
    {
        if (x.Rank == 0 || x.Size == 0) return x;
        switch (layout)
        {
            case "transposed": return x.T.Clone().T;
            case "strided":
            {
                int[] wide = x.Shape;
                wide[^1] *= 2;
                NDArray view = NDArray.Zeros(wide)[Ix.Ellipsis, Ix.Step(2)];
                return view.CopyFrom(x);
            }
            case "reversed": return x[Ix.Step(-1)].Clone()[Ix.Step(-1)];
            default: return x;
        }
    }

    // ---- comparing -------------------------------------------------------------------------------------

    private static void AssertClose(NDArray actual, NDArray expected, double rtol, double atol, string where)
    {
        Assert.That(actual.Shape, Is.EqualTo(expected.Shape), "shape: " + where);
        float[] a = actual.ToArray(), e = expected.ToArray();
        for (int i = 0; i < a.Length; i++)
            Assert.That(Math.Abs((double)a[i] - e[i]), Is.LessThanOrEqualTo(atol + rtol * Math.Abs(e[i])),
                $"element {i}: {a[i]} vs NumPy's {e[i]}; {where}");
    }

    private static void AssertAll(NDArray[] parts, JsonElement expected, NDArray source, string where)
    {
        JsonElement[] wanted = expected.EnumerateArray().ToArray();
        Assert.That(parts, Has.Length.EqualTo(wanted.Length), where);
        for (int i = 0; i < parts.Length; i++)
        {
            AssertClose(parts[i], Parse(wanted[i]), 0, 0, $"part {i}, {where}");
            Assert.That(parts[i].Storage, Is.SameAs(source.Storage), $"part {i} is a view: {where}");
        }
    }
}
