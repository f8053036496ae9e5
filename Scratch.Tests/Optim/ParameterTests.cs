using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Optim;

public class ParameterTests
{
    [Test]
    public void Constructor_ContiguousValue_IsShared_AndGradIsZeroedWithTheSameShape()
    {
        var w = NDArray.Arange(6).Reshape(2, 3);
        var p = new Parameter("W1", w);
        Assert.Multiple(() =>
        {
            Assert.That(p.Name, Is.EqualTo("W1"));
            Assert.That(p.Value, Is.SameAs(w));
            Assert.That(p.Grad.Shape, Is.EqualTo(new[] { 2, 3 }));
            Assert.That(p.Grad.ToArray(), Is.All.Zero);
            Assert.That(p.Grad.Storage, Is.Not.SameAs(w.Storage));
        });
    }

    [Test]
    public void Constructor_View_IsCopiedToContiguous()
    {
        var w = NDArray.Arange(6).Reshape(2, 3);
        var p = new Parameter("W", w.T);
        Assert.Multiple(() =>
        {
            Assert.That(p.Value.IsContiguous, Is.True);
            Assert.That(p.Value.Shape, Is.EqualTo(new[] { 3, 2 }));
            Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0f, 3, 1, 4, 2, 5 }));
            Assert.That(p.Grad.Shape, Is.EqualTo(new[] { 3, 2 }));
        });
    }

    [Test]
    public void ZeroGrad_ClearsTheSameGradArray()
    {
        var p = new Parameter("b", NDArray.Zeros(4));
        NDArray grad = p.Grad;
        grad.Fill(3f);
        p.ZeroGrad();
        Assert.Multiple(() =>
        {
            Assert.That(p.Grad, Is.SameAs(grad));
            Assert.That(p.Grad.ToArray(), Is.All.Zero);
        });
    }

    [Test]
    public void Constructor_Nulls_Throw()
    {
        Assert.That(() => new Parameter(null!, NDArray.Zeros(1)), Throws.ArgumentNullException);
        Assert.That(() => new Parameter("W", null!), Throws.ArgumentNullException);
        Assert.That(() => new Parameter("W", NDArray.Zeros(1)).Grad = null!, Throws.ArgumentNullException);
    }

    [Test]
    public void ToString_NamesAndShape() =>
        Assert.That(new Parameter("W1", NDArray.Zeros(784, 50)).ToString(), Is.EqualTo("Parameter 'W1' (784, 50)"));
}
