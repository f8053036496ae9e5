using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Optim;

/// <summary>One or two hand-checkable steps per optimizer, with the arithmetic in the comments.</summary>
public class OptimizerGoldenTests
{
    private static Parameter Param(float[] w, float[] g)
    {
        var p = new Parameter("W", NDArray.FromArray(w, w.Length));
        g.CopyTo(p.Grad.AsSpan());
        return p;
    }

    [Test]
    public void Sgd_OneStep()
    {
        // W − lr·g = [1 − 0.1·0.5, −2 − 0.1·(−1)] = [0.95, −1.9]
        var p = Param([1f, -2f], [0.5f, -1f]);
        new Sgd(lr: 0.1f).Update([p]);
        Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0.95f, -1.9f }).Within(1e-6f));
    }

    [Test]
    public void Momentum_TwoSteps_Accelerate()
    {
        // step 1: v = 0.9·0 − 0.1·[0.5, −1] = [−0.05, 0.1];            W = [0.95, −1.9]
        // step 2: v = 0.9·[−0.05, 0.1] − [0.05, −0.1] = [−0.095, 0.19]; W = [0.855, −1.71]
        var p = Param([1f, -2f], [0.5f, -1f]);
        var optimizer = new Momentum(lr: 0.1f, momentum: 0.9f);
        optimizer.Update([p]);
        Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0.95f, -1.9f }).Within(1e-6f));
        optimizer.Update([p]);
        Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0.855f, -1.71f }).Within(1e-6f));
    }

    [Test]
    public void Nesterov_OneStep()
    {
        // v = 0.9·0 − 0.1·0.5 = −0.05
        // W = 1 + 0.9·0.9·(−0.05) − (1 + 0.9)·0.1·0.5 = 1 − 0.0405 − 0.095 = 0.8645
        var p = Param([1f], [0.5f]);
        new Nesterov(lr: 0.1f, momentum: 0.9f).Update([p]);
        Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0.8645f }).Within(1e-6f));
    }

    [Test]
    public void AdaGrad_TwoSteps_Shrink()
    {
        // step 1: h = 0.25, W = 1 − 0.1·0.5/(0.5 + 1e-7) ≈ 1 − 0.1 = 0.9
        // step 2: h = 0.5,  W = 0.9 − 0.1·0.5/√0.5 = 0.9 − 0.0707107 = 0.8292893
        var p = Param([1f], [0.5f]);
        var optimizer = new AdaGrad(lr: 0.1f);
        optimizer.Update([p]);
        Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0.9f }).Within(1e-6f));
        optimizer.Update([p]);
        Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0.8292893f }).Within(1e-6f));
    }

    [Test]
    public void RmsProp_OneStep()
    {
        // h = 0.99·0 + 0.01·0.5² = 0.0025, √h = 0.05; W = 1 − 0.01·0.5/0.05 = 1 − 0.1 = 0.9
        var p = Param([1f], [0.5f]);
        new RmsProp(lr: 0.01f, decayRate: 0.99f).Update([p]);
        Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0.9f }).Within(1e-5f));
    }

    [Test]
    public void Adam_FirstStep_MovesEachWeightByLrTimesSignOfG()
    {
        // t = 1: lr_t = 0.001·√(1 − 0.999)/(1 − 0.9) = 0.001·0.0316228/0.1; m = 0.1·g; v = 0.001·g²;
        // m/√v = 0.1·g/(0.0316228·|g|) = sign(g)/0.316228, so the step is lr_t·m/√v = 0.001·sign(g) whatever |g| is.
        var p = Param([1f, -2f, 0.5f], [0.5f, -3f, 0.01f]);
        new Adam(lr: 0.001f).Update([p]);
        Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0.999f, -1.999f, 0.499f }).Within(1e-6f));
    }

    [Test]
    public void AdamW_FirstStep_DecaysThenTakesTheAdamStep()
    {
        // decay first: W·(1 − 0.001·0.01) = [1, −2]·0.99999 = [0.99999, −1.99998]
        // then Adam's first step −0.001·sign(g) = [−0.001, +0.001]: [0.99899, −1.99898]
        var p = Param([1f, -2f], [0.5f, -3f]);
        new AdamW(lr: 0.001f, weightDecay: 0.01f).Update([p]);
        Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0.99899f, -1.99898f }).Within(1e-6f));
    }

    [Test]
    public void AdamW_ZeroGradient_OnlyDecays()
    {
        // g = 0: m = v = 0, the Adam step is 0/(0 + ε) = 0; W = 2·(1 − 0.1·0.5) = 1.9
        var p = Param([2f], [0f]);
        new AdamW(lr: 0.1f, weightDecay: 0.5f).Update([p]);
        Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 1.9f }).Within(1e-6f));
    }

    [Test]
    public void Epsilon_DefaultsToTheBooks1e7_AndIsUsed()
    {
        // g = 0 and h = 0: the step is lr·0/(0 + ε) = 0 for any ε > 0, so check the default and its effect on a tiny g:
        // AdaGrad, g = 1e-7: h = 1e-14, √h = 1e-7; step = 1·1e-7/(1e-7 + ε) = 0.5 with ε = 1e-7, ≈ 1 with ε = 1e-12.
        Assert.Multiple(() =>
        {
            Assert.That(new AdaGrad().Epsilon, Is.EqualTo(1e-7f));
            Assert.That(new RmsProp().Epsilon, Is.EqualTo(1e-7f));
            Assert.That(new Adam().Epsilon, Is.EqualTo(1e-7f));
            Assert.That(new AdamW().Epsilon, Is.EqualTo(1e-7f));
        });
        var p = Param([0f], [1e-7f]);
        new AdaGrad(lr: 1f).Update([p]);
        Assert.That(p.Value[0], Is.EqualTo(-0.5f).Within(1e-6f));
        var q = Param([0f], [1e-7f]);
        new AdaGrad(lr: 1f) { Epsilon = 1e-12f }.Update([q]);
        Assert.That(q.Value[0], Is.EqualTo(-1f).Within(1e-4f));
    }
}
