using Scratch.Data;
using Scratch.Tensors;

namespace Scratch.Tests.Data;

public class ToyDatasetTests
{
    // Recorded with the book's spiral.py under NumPy 1.24 (TestData/spiral/record.py), float32 points.
    private static readonly object[] SpiralPoints =
    [
        new object[] { 0, -0.0f, 0.0f },
        new object[] { 1, -0.0009769865f, 0.0099521605f },
        new object[] { 2, 0.0051266826f, 0.019331764f },
        new object[] { 3, -0.00038604334f, 0.029997516f },
        new object[] { 4, 0.014250965f, 0.03737526f },
        new object[] { 100, -0.0f, -0.0f },
        new object[] { 101, -0.008370206f, -0.005471715f },
        new object[] { 150, -0.13912046f, 0.48025566f },
        new object[] { 200, 0.0f, -0.0f },
        new object[] { 299, -0.597431f, 0.78941506f },
    ];

    [TestCaseSource(nameof(SpiralPoints))]
    public void Spiral_Seed1984_MatchesNumPy(int ix, float x0, float x1)
    {
        var (x, _) = Spiral.Load();
        Assert.That(x[ix, 0], Is.EqualTo(x0), $"ix={ix}, x");
        Assert.That(x[ix, 1], Is.EqualTo(x1), $"ix={ix}, y");
    }

    [Test]
    public void Spiral_Seed1984_SumsMatchNumPy()
    {
        // sum x = -13.916731213830644, sum |x| = 188.9234966794902 over the float32 points (record.py)
        float[] x = Spiral.Load().X.ToArray();
        Assert.That(x.Sum(v => (double)v), Is.EqualTo(-13.916731213830644).Within(1e-9));
        Assert.That(x.Sum(v => Math.Abs((double)v)), Is.EqualTo(188.9234966794902).Within(1e-9));
    }

    [Test]
    public void Spiral_ShapesAndClassBalance()
    {
        var (x, t) = Spiral.Load();
        Assert.That(x.Shape, Is.EqualTo(new[] { 300, 2 }));
        Assert.That(t.Shape, Is.EqualTo(new[] { 300, 3 }));
        Assert.That(t.Sum(axis: 0).ToArray(), Is.EqualTo(new float[] { 100, 100, 100 }));
        Assert.That(t.Sum(axis: 1).ToArray(), Is.All.EqualTo(1f));
        float[] classes = t.ArgMax(axis: 1).ToArray();
        Assert.That(Enumerable.Range(0, 300).All(ix => classes[ix] == ix / 100), Is.True, "rows 100·j … 100·j + 99 are class j");
        // radius = i / N exactly, whatever theta is
        Assert.That(Math.Sqrt((double)x[150, 0] * x[150, 0] + (double)x[150, 1] * x[150, 1]), Is.EqualTo(0.5).Within(1e-6));
    }

    [Test]
    public void Spiral_OtherSeed_DiffersAndRepeats()
    {
        float[] first = Spiral.Load(7).X.ToArray(), second = Spiral.Load(7).X.ToArray();
        Assert.That(second, Is.EqualTo(first));
        Assert.That(first, Is.Not.EqualTo(Spiral.Load().X.ToArray()));
    }

    [Test]
    public void LogicGates_TruthTables()
    {
        float[] inputs = [0, 0, 1, 0, 0, 1, 1, 1];
        var gates = new (string Name, (NDArray X, NDArray T) Data, float[] T)[]
        {
            ("AND", LogicGates.And(), [0, 0, 0, 1]),
            ("NAND", LogicGates.Nand(), [1, 1, 1, 0]),
            ("OR", LogicGates.Or(), [0, 1, 1, 1]),
            ("XOR", LogicGates.Xor(), [0, 1, 1, 0]),
        };
        foreach (var (name, (x, t), expected) in gates)
        {
            Assert.That(x.Shape, Is.EqualTo(new[] { 4, 2 }), name);
            Assert.That(t.Shape, Is.EqualTo(new[] { 4, 1 }), name);
            Assert.That(x.ToArray(), Is.EqualTo(inputs), name);
            Assert.That(t.ToArray(), Is.EqualTo(expected), name);
        }
    }

    [Test]
    public void Circle_PointsInTheDisc_LabelledByRadius()
    {
        var (x, t) = Circle.Load(2000, seed: 3);
        Assert.That(x.Shape, Is.EqualTo(new[] { 2000, 2 }));
        Assert.That(t.Shape, Is.EqualTo(new[] { 2000, 1 }));
        float[] p = x.ToArray(), labels = t.ToArray();
        int outside = 0;
        for (int i = 0; i < 2000; i++)
        {
            double r = Math.Sqrt((double)p[2 * i] * p[2 * i] + (double)p[2 * i + 1] * p[2 * i + 1]);
            Assert.That(r, Is.LessThanOrEqualTo(1 + 1e-6), $"i={i}");
            if (Math.Abs(r - 0.5) > 1e-6)
                Assert.That(labels[i], Is.EqualTo(r > 0.5 ? 1f : 0f), $"i={i}, r={r}");
            outside += (int)labels[i];
        }
        // uniform over the area: P(r > 0.5) = 1 − 0.5² = 0.75; σ of the count ≈ √(2000·0.75·0.25) ≈ 19
        Assert.That(outside, Is.InRange(1500 - 100, 1500 + 100));
    }

    [Test]
    public void Circle_MatchesItsNumPyRecipe()
    {
        // r = sqrt(rs.rand(n)); theta = 2π·rs.rand(n), drawn as two blocks of n
        var rs = new RandomState(11);
        double[] u = rs.Rand(5), v = rs.Rand(5);
        var (x, t) = Circle.Load(5, seed: 11);
        for (int i = 0; i < 5; i++)
        {
            double r = Math.Sqrt(u[i]), theta = 2 * Math.PI * v[i];
            Assert.That(x[i, 0], Is.EqualTo((float)(r * Math.Cos(theta))), $"i={i}");
            Assert.That(x[i, 1], Is.EqualTo((float)(r * Math.Sin(theta))), $"i={i}");
            Assert.That(t[i, 0], Is.EqualTo(r > 0.5 ? 1f : 0f), $"i={i}");
        }
    }
}
