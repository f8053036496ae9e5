using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

public class InitTests
{
    // np.random.seed(0); np.random.randn(6) (NumPy 1.24, as recorded in TestData/random/seed_0.json)
    private static readonly double[] Randn0 = [1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675, -0.977277879876411];

    [Test]
    public void He_MatchesNumPy()
    {
        // np.random.seed(0); np.random.randn(3, 2) * np.sqrt(2.0 / 3), rounded to float32 once
        NDArray w = Init.Weights([3, 2], WeightInit.He, new RandomState(0));
        Assert.That(w.Shape, Is.EqualTo(new[] { 3, 2 }));
        Assert.That(w.ToArray(), Is.EqualTo(Randn0.Select(v => (float)(v * Math.Sqrt(2.0 / 3))).ToArray()));
    }

    [Test]
    public void XavierAndStd_MatchNumPy()
    {
        NDArray xavier = Init.Weights([3, 2], WeightInit.Xavier, new RandomState(0));
        Assert.That(xavier.ToArray(), Is.EqualTo(Randn0.Select(v => (float)(v * Math.Sqrt(1.0 / 3))).ToArray()));
        // the book's weight_init_std = 0.01: 0.01 * np.random.randn(2, 3) (seed_0.json "f32_randn10_x0.01" starts 0.017640523612499237)
        NDArray small = Init.Weights([2, 3], WeightInit.Std(0.01), new RandomState(0));
        Assert.That(small.ToArray()[0], Is.EqualTo(0.017640523612499237f));
        Assert.That(small.ToArray(), Is.EqualTo(Randn0.Select(v => (float)(v * 0.01)).ToArray()));
    }

    [Test]
    public void Convolution_FanIn_IsCTimesFHTimesFW()
    {
        Assert.That(Init.FanIn([16, 3, 5, 5]), Is.EqualTo(75));
        Assert.That(WeightInit.He.Scale(75), Is.EqualTo(Math.Sqrt(2.0 / 75)));
        NDArray w = Init.Weights([1, 3, 1, 2], WeightInit.He, new RandomState(0));
        Assert.That(w.ToArray(), Is.EqualTo(Randn0.Take(6).Select(v => (float)(v * Math.Sqrt(2.0 / 6))).ToArray()));
    }

    [Test]
    public void Parse_TakesTheBooksNames()
    {
        Assert.Multiple(() =>
        {
            Assert.That(WeightInit.Parse("relu"), Is.SameAs(WeightInit.He));
            Assert.That(WeightInit.Parse("He"), Is.SameAs(WeightInit.He));
            Assert.That(WeightInit.Parse("sigmoid"), Is.SameAs(WeightInit.Xavier));
            Assert.That(WeightInit.Parse("xavier"), Is.SameAs(WeightInit.Xavier));
            Assert.That(WeightInit.Parse("0.01").Scale(100), Is.EqualTo(0.01));
            Assert.That(() => WeightInit.Parse("glorot"), Throws.ArgumentException.With.Message.Contains("'glorot'"));
        });
    }

    [Test]
    public void Helpers_ZerosUniformNormal()
    {
        Assert.That(Init.Zeros(2, 3).ToArray(), Is.All.EqualTo(0f));
        Assert.That(Init.Ones(4).ToArray(), Is.All.EqualTo(1f));
        // np.random.seed(0); np.random.uniform(-1, 1, 5) = [0.0976, 0.4304, 0.2055, 0.0898, −0.1527]
        Assert.That(Init.Uniform([5], -1, 1, new RandomState(0)).ToArray(),
            Is.EqualTo(new[] { 0.0976270078546495f, 0.43037873274483895f, 0.20552675214328775f, 0.08976636599379373f, -0.15269040132219058f }));
        // np.random.seed(0); np.random.normal(3, 2, 3) = [6.5281, 3.8003, 4.9575]
        Assert.That(Init.Normal([3], 3, 2, new RandomState(0)).ToArray(),
            Is.EqualTo(new[] { 6.528104691935328f, 3.8003144167344467f, 4.957475968211479f }));
    }
}
