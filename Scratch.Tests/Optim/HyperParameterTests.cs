using Scratch.Optim;
using Scratch.Optim.Schedules;

namespace Scratch.Tests.Optim;

public class HyperParameterTests
{
    /// <summary>A bad hyper-parameter, the class its message must name, and the expected paramName.</summary>
    public sealed record BadCase(string Description, TestDelegate Act, string Owner, string ParamName)
    {
        public override string ToString() => Description;
    }

    private static BadCase Bad(string description, Action act, string owner, string paramName) =>
        new(description, () => act(), owner, paramName);

    public static IEnumerable<BadCase> Cases()
    {
        yield return Bad("Sgd lr -1", () => _ = new Sgd(-1f), "Sgd", "lr");
        yield return Bad("Sgd lr NaN", () => _ = new Sgd(float.NaN), "Sgd", "lr");
        yield return Bad("Sgd lr +inf", () => _ = new Sgd(float.PositiveInfinity), "Sgd", "lr");
        yield return Bad("Sgd LearningRate = -0.5", () => new Sgd().LearningRate = -0.5f, "Sgd", "value");
        yield return Bad("Momentum lr -1", () => _ = new Momentum(lr: -1f), "Momentum", "lr");
        yield return Bad("Momentum momentum 1", () => _ = new Momentum(momentum: 1f), "Momentum", "momentum");
        yield return Bad("Momentum momentum -0.1", () => _ = new Momentum(momentum: -0.1f), "Momentum", "momentum");
        yield return Bad("Momentum momentum NaN", () => _ = new Momentum(momentum: float.NaN), "Momentum", "momentum");
        yield return Bad("Momentum LearningRate = NaN", () => new Momentum().LearningRate = float.NaN, "Momentum", "value");
        yield return Bad("Nesterov lr NaN", () => _ = new Nesterov(lr: float.NaN), "Nesterov", "lr");
        yield return Bad("Nesterov momentum 1.5", () => _ = new Nesterov(momentum: 1.5f), "Nesterov", "momentum");
        yield return Bad("AdaGrad lr -inf", () => _ = new AdaGrad(float.NegativeInfinity), "AdaGrad", "lr");
        yield return Bad("AdaGrad Epsilon 0", () => _ = new AdaGrad { Epsilon = 0f }, "AdaGrad", "value");
        yield return Bad("RmsProp decayRate 1", () => _ = new RmsProp(decayRate: 1f), "RmsProp", "decayRate");
        yield return Bad("RmsProp decayRate -0.5", () => _ = new RmsProp(decayRate: -0.5f), "RmsProp", "decayRate");
        yield return Bad("RmsProp lr -0.01", () => _ = new RmsProp(lr: -0.01f), "RmsProp", "lr");
        yield return Bad("RmsProp Epsilon -1", () => _ = new RmsProp { Epsilon = -1f }, "RmsProp", "value");
        yield return Bad("Adam beta1 1", () => _ = new Adam(beta1: 1f), "Adam", "beta1");
        yield return Bad("Adam beta1 -0.1", () => _ = new Adam(beta1: -0.1f), "Adam", "beta1");
        yield return Bad("Adam beta2 1", () => _ = new Adam(beta2: 1f), "Adam", "beta2");
        yield return Bad("Adam beta2 NaN", () => _ = new Adam(beta2: float.NaN), "Adam", "beta2");
        yield return Bad("Adam lr -1", () => _ = new Adam(lr: -1f), "Adam", "lr");
        yield return Bad("Adam Epsilon NaN", () => _ = new Adam { Epsilon = float.NaN }, "Adam", "value");
        yield return Bad("AdamW weightDecay -0.1", () => _ = new AdamW(weightDecay: -0.1f), "AdamW", "weightDecay");
        yield return Bad("AdamW weightDecay NaN", () => _ = new AdamW(weightDecay: float.NaN), "AdamW", "weightDecay");
        yield return Bad("AdamW beta1 1", () => _ = new AdamW(beta1: 1f), "AdamW", "beta1");
        yield return Bad("AdamW beta2 2", () => _ = new AdamW(beta2: 2f), "AdamW", "beta2");
        yield return Bad("AdamW lr +inf", () => _ = new AdamW(lr: float.PositiveInfinity), "AdamW", "lr");
        yield return Bad("StepLr stepSize 0", () => _ = new StepLr(0.1f, 0), "StepLr", "stepSize");
        yield return Bad("StepLr stepSize -2", () => _ = new StepLr(0.1f, -2), "StepLr", "stepSize");
        yield return Bad("StepLr gamma 0", () => _ = new StepLr(0.1f, 2, 0f), "StepLr", "gamma");
        yield return Bad("StepLr gamma -0.5", () => _ = new StepLr(0.1f, 2, -0.5f), "StepLr", "gamma");
        yield return Bad("StepLr gamma NaN", () => _ = new StepLr(0.1f, 2, float.NaN), "StepLr", "gamma");
        yield return Bad("StepLr initial -1", () => _ = new StepLr(-1f, 2), "StepLr", "initial");
        yield return Bad("ExponentialLr gamma 0", () => _ = new ExponentialLr(0.1f, 0f), "ExponentialLr", "gamma");
        yield return Bad("ExponentialLr gamma NaN", () => _ = new ExponentialLr(0.1f, float.NaN), "ExponentialLr", "gamma");
        yield return Bad("ExponentialLr initial NaN", () => _ = new ExponentialLr(float.NaN, 0.9f), "ExponentialLr", "initial");
        yield return Bad("CosineAnnealingLr tMax 0", () => _ = new CosineAnnealingLr(0.1f, 0), "CosineAnnealingLr", "tMax");
        yield return Bad("CosineAnnealingLr etaMin -1", () => _ = new CosineAnnealingLr(0.1f, 10, -1f), "CosineAnnealingLr", "etaMin");
        yield return Bad("LinearWarmup warmupEpochs -1", () => _ = new LinearWarmup(new StepLr(0.1f, 2), -1), "LinearWarmup", "warmupEpochs");
        yield return Bad("LinearWarmup startFactor 1.5", () => _ = new LinearWarmup(new StepLr(0.1f, 2), 2, 1.5f), "LinearWarmup", "startFactor");
        yield return Bad("LinearWarmup startFactor NaN", () => _ = new LinearWarmup(new StepLr(0.1f, 2), 2, float.NaN), "LinearWarmup", "startFactor");
        yield return Bad("WeightDecay.L2Loss lambda -1", () => WeightDecay.L2Loss([], -1f), "WeightDecay", "lambda");
        yield return Bad("WeightDecay.AddL1Gradient lambda NaN", () => WeightDecay.AddL1Gradient([], float.NaN), "WeightDecay", "lambda");
    }

    [TestCaseSource(nameof(Cases))]
    public void BadHyperParameter_ThrowsArgumentException_NamingTheClassAndParameter(BadCase c) =>
        Assert.That(c.Act, Throws.ArgumentException
            .With.Message.StartsWith($"{c.Owner}: ")
            .And.Property(nameof(ArgumentException.ParamName)).EqualTo(c.ParamName));

    [Test]
    public void Message_NamesTheRuleAndTheValue()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new Adam(beta1: 1f), Throws.ArgumentException.With.Message.StartsWith("Adam: beta1 must be in [0, 1), got 1."));
            Assert.That(() => new Sgd(-0.5f), Throws.ArgumentException.With.Message.StartsWith("Sgd: lr must be a finite number ≥ 0, got -0.5."));
            Assert.That(() => new StepLr(0.1f, 2, float.NaN), Throws.ArgumentException.With.Message.StartsWith("StepLr: gamma must be a finite number > 0, got NaN."));
            Assert.That(() => new CosineAnnealingLr(0.1f, 0), Throws.ArgumentException.With.Message.StartsWith("CosineAnnealingLr: tMax must be > 0, got 0."));
        });
    }

    [Test]
    public void Boundaries_AreAccepted()
    {
        // lr = 0, momentum = 0, β = 0, decay = 0, gamma > 1 are all legal.
        Assert.That(() =>
        {
            _ = new Sgd(0f);
            _ = new Momentum(0f, 0f);
            _ = new Nesterov(0.1f, 0f);
            _ = new RmsProp(0.1f, 0f);
            _ = new Adam(0.1f, 0f, 0f);
            _ = new AdamW(0.1f, 0f, 0f, 0f);
            _ = new ExponentialLr(0.1f, 1.5f);
            _ = new LinearWarmup(new StepLr(0f, 1), 0, 0f);
        }, Throws.Nothing);
    }

    [Test]
    public void Defaults_AreTheBooks()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new Sgd().LearningRate, Is.EqualTo(0.01f));
            Assert.That(new Momentum().LearningRate, Is.EqualTo(0.01f));
            Assert.That(new Momentum().MomentumFactor, Is.EqualTo(0.9f));
            Assert.That(new Nesterov().MomentumFactor, Is.EqualTo(0.9f));
            Assert.That(new AdaGrad().LearningRate, Is.EqualTo(0.01f));
            Assert.That(new RmsProp().DecayRate, Is.EqualTo(0.99f));
            Assert.That(new Adam().LearningRate, Is.EqualTo(0.001f));
            Assert.That(new Adam().Beta1, Is.EqualTo(0.9f));
            Assert.That(new Adam().Beta2, Is.EqualTo(0.999f));
            Assert.That(new AdamW().WeightDecay, Is.EqualTo(0.01f));
        });
    }
}
