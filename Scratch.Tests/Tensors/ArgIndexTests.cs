using Scratch.Tensors;

namespace Scratch.Tests.Tensors;

/// <summary>ArgMax/ArgMin return float32 indices: exact integers, and an axis too long for that is refused.</summary>
public class ArgIndexTests
{
    [Test]
    public void Indices_AreExactFloats_UpTo2To24()
    {
        var x = NDArray.Zeros(1 << 24);
        x[(1 << 24) - 1] = 1f;
        Assert.That((int)x.ArgMax().Item(), Is.EqualTo((1 << 24) - 1));
    }

    [Test]
    public void AxisLongerThan2To24_Throws_NamingTheLimit()
    {
        var x = NDArray.Zeros(1, (1 << 24) + 1);
        Assert.Multiple(() =>
        {
            Assert.That(() => x.ArgMax(), Throws.ArgumentException.With.Message.StartsWith("ArgMax: 16777217 positions in the flattened array of (1, 16777217)"));
            Assert.That(() => x.ArgMin(axis: 1), Throws.ArgumentException.With.Message.Contains("along axis 1").And.Message.Contains("2^24"));
            Assert.That(x.ArgMax(axis: 0).Shape, Is.EqualTo(new[] { (1 << 24) + 1 }));
        });
    }
}
