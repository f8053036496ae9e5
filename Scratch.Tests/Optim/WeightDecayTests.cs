using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Optim;

public class WeightDecayTests
{
    // W1 = [[1, −2], [0, 3]], W2 = [−1]: ΣW² = 1 + 4 + 0 + 9 + 1 = 15, Σ|W| = 1 + 2 + 0 + 3 + 1 = 7.
    private static Parameter[] Weights() =>
    [
        new("W1", NDArray.FromArray([1, -2, 0, 3], 2, 2)),
        new("W2", NDArray.FromArray([-1], 1)),
    ];

    [Test]
    public void L2Loss_IsHalfLambdaSumOfSquares() =>
        Assert.That(WeightDecay.L2Loss(Weights(), 0.1f), Is.EqualTo(0.75f).Within(1e-7f));   // ½·0.1·15 = 0.75

    [Test]
    public void AddL2Gradient_AddsLambdaW()
    {
        // grad starts at 1 everywhere: 1 + 0.1·W
        var w = Weights();
        foreach (var p in w) p.Grad.Fill(1f);
        WeightDecay.AddL2Gradient(w, 0.1f);
        Assert.Multiple(() =>
        {
            Assert.That(w[0].Grad.ToArray(), Is.EqualTo(new[] { 1.1f, 0.8f, 1f, 1.3f }).Within(1e-7f));
            Assert.That(w[1].Grad.ToArray(), Is.EqualTo(new[] { 0.9f }).Within(1e-7f));
            Assert.That(w[0].Value.ToArray(), Is.EqualTo(new[] { 1f, -2, 0, 3 }), "the weights are not touched");
        });
    }

    [Test]
    public void L1Loss_IsLambdaSumOfMagnitudes() =>
        Assert.That(WeightDecay.L1Loss(Weights(), 0.1f), Is.EqualTo(0.7f).Within(1e-7f));      // 0.1·7 = 0.7

    [Test]
    public void AddL1Gradient_AddsLambdaSignW_WithSignOfZeroZero()
    {
        // 0.5 + 0.1·sign([1, −2, 0, 3]) = [0.6, 0.4, 0.5, 0.6]; 0.5 + 0.1·sign(−1) = 0.4
        var w = Weights();
        foreach (var p in w) p.Grad.Fill(0.5f);
        WeightDecay.AddL1Gradient(w, 0.1f);
        Assert.Multiple(() =>
        {
            Assert.That(w[0].Grad.ToArray(), Is.EqualTo(new[] { 0.6f, 0.4f, 0.5f, 0.6f }).Within(1e-7f));
            Assert.That(w[1].Grad.ToArray(), Is.EqualTo(new[] { 0.4f }).Within(1e-7f));
        });
    }

    [Test]
    public void L2Gradient_MatchesTheLossByCentralDifference()
    {
        // ∂/∂W of ½λΣW² at W = 3 is λ·3; central difference with h = 1e-2 is exact for a quadratic up to rounding.
        var w = Weights();
        const float lambda = 0.2f, h = 1e-2f;
        w[0].Value[1, 1] = 3f + h;
        float plus = WeightDecay.L2Loss(w, lambda);
        w[0].Value[1, 1] = 3f - h;
        float minus = WeightDecay.L2Loss(w, lambda);
        w[0].Value[1, 1] = 3f;
        WeightDecay.AddL2Gradient(w, lambda);
        Assert.That(w[0].Grad[1, 1], Is.EqualTo((plus - minus) / (2 * h)).Within(1e-3f));
    }

    [Test]
    public void LambdaZero_AddsNothing()
    {
        var w = Weights();
        Assert.That(WeightDecay.L2Loss(w, 0f), Is.Zero);
        WeightDecay.AddL1Gradient(w, 0f);
        Assert.That(w[0].Grad.ToArray(), Is.All.Zero);
    }

    [Test]
    public void GradOfAnotherShape_Throws()
    {
        var p = new Parameter("W1", NDArray.Zeros(2, 2)) { Grad = NDArray.Zeros(4) };
        Assert.That(() => WeightDecay.AddL2Gradient([p], 0.1f), Throws.ArgumentException
            .With.Message.StartsWith("WeightDecay.AddL2Gradient: parameter 'W1' has Grad (4,)"));
    }

    [Test]
    public void NullWeights_Throw()
    {
        Assert.That(() => WeightDecay.L2Loss(null!, 0.1f), Throws.ArgumentNullException);
        Assert.That(() => WeightDecay.L1Loss([null!], 0.1f), Throws.ArgumentException.With.Message.Contains("null"));
    }
}
