using Scratch.Optim.Schedules;

namespace Scratch.Tests.Optim;

public class ScheduleTests
{
    private static readonly int[] Epochs = [0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 15, 19, 20, 21, 37];

    [Test]
    public void StepLr_HalvesEveryThreeEpochs()
    {
        // 0.1·0.5^⌊e/3⌋: epochs 0–2 → 0.1, 3–5 → 0.05, 6–8 → 0.025, 9 → 0.0125
        var s = new StepLr(0.1f, stepSize: 3, gamma: 0.5f);
        Assert.That(new[] { 0, 2, 3, 5, 6, 9 }.Select(s.LearningRate),
            Is.EqualTo(new[] { 0.1f, 0.1f, 0.05f, 0.05f, 0.025f, 0.0125f }).Within(1e-7f));
        foreach (int e in Epochs)
            Assert.That(s.LearningRate(e), Is.EqualTo(0.1 * Math.Pow(0.5, Math.Floor(e / 3.0))).Within(1e-4).Percent, $"epoch={e}");
    }

    [Test]
    public void StepLr_DefaultGammaIsOneTenth() =>
        Assert.That(new StepLr(1f, 2).LearningRate(5), Is.EqualTo(0.01f).Within(1e-7f));   // 1·0.1^⌊5/2⌋ = 0.01

    [Test]
    public void ExponentialLr_MatchesFormula()
    {
        var s = new ExponentialLr(0.1f, gamma: 0.9f);
        Assert.That(s.LearningRate(2), Is.EqualTo(0.081f).Within(1e-7f));   // 0.1·0.9² = 0.081
        foreach (int e in Epochs)
            Assert.That(s.LearningRate(e), Is.EqualTo(0.1f * Math.Pow(0.9f, e)).Within(1e-4).Percent, $"epoch={e}");
    }

    [Test]
    public void CosineAnnealingLr_GoldenPoints()
    {
        // etaMin + (0.1 − 0.001)·(1 + cos(π·e/10))/2: e=0 → 0.1, e=5 → 0.001 + 0.099/2 = 0.0505, e=10 → 0.001,
        // e=15 → 0.0505 and e=20 → 0.1 (PyTorch's closed form is not clamped: it is periodic with period 2·tMax).
        var s = new CosineAnnealingLr(0.1f, tMax: 10, etaMin: 0.001f);
        Assert.That(new[] { 0, 5, 10, 15, 20 }.Select(s.LearningRate),
            Is.EqualTo(new[] { 0.1f, 0.0505f, 0.001f, 0.0505f, 0.1f }).Within(1e-7f));
    }

    [Test]
    public void CosineAnnealingLr_MatchesFormula()
    {
        var s = new CosineAnnealingLr(0.05f, tMax: 7);
        foreach (int e in Epochs)
            Assert.That(s.LearningRate(e), Is.EqualTo((double)0.05f * (1 + Math.Cos(Math.PI * e / 7)) / 2).Within(1e-8), $"epoch={e}");
    }

    [Test]
    public void LinearWarmup_IntoCosine_RampsThenFollowsIt()
    {
        // inner = cosine(0.1, tMax 10); W = 4, startFactor 0.1: a = 0.1·inner(0) = 0.01, b = inner(4) = 0.05·(1 + cos(0.4π)).
        // epochs 0–3: a + (b − a)·e/4; from epoch 4: inner(e).
        var inner = new CosineAnnealingLr(0.1f, 10);
        var s = new LinearWarmup(inner, warmupEpochs: 4, startFactor: 0.1f);
        double a = 0.01, b = 0.05 * (1 + Math.Cos(0.4 * Math.PI));
        for (int e = 0; e < 4; e++)
            Assert.That(s.LearningRate(e), Is.EqualTo(a + (b - a) * e / 4).Within(1e-7), $"epoch={e}");
        foreach (int e in Epochs.Where(e => e >= 4))
            Assert.That(s.LearningRate(e), Is.EqualTo(inner.LearningRate(e)), $"epoch={e}");
        Assert.That(s.LearningRate(0), Is.EqualTo(0.01f).Within(1e-8f));
    }

    [Test]
    public void LinearWarmup_IntoStep_GoldenValues()
    {
        // inner = StepLr(0.1, 3, 0.5); W = 2, startFactor 0.25: a = 0.025, b = inner(2) = 0.1.
        // e0 = 0.025, e1 = 0.025 + 0.075/2 = 0.0625, then inner: e2 = 0.1, e3 = 0.05, e6 = 0.025
        var s = new LinearWarmup(new StepLr(0.1f, 3, 0.5f), warmupEpochs: 2, startFactor: 0.25f);
        Assert.That(new[] { 0, 1, 2, 3, 6 }.Select(s.LearningRate),
            Is.EqualTo(new[] { 0.025f, 0.0625f, 0.1f, 0.05f, 0.025f }).Within(1e-7f));
    }

    [Test]
    public void LinearWarmup_ZeroEpochs_IsTheInnerSchedule()
    {
        var inner = new ExponentialLr(0.3f, 0.8f);
        var s = new LinearWarmup(inner, 0);
        Assert.That(Epochs.Select(s.LearningRate), Is.EqualTo(Epochs.Select(inner.LearningRate)));
    }

    [Test]
    public void Schedules_NegativeEpoch_Throws()
    {
        ILearningRateSchedule[] schedules =
            [new StepLr(0.1f, 2), new ExponentialLr(0.1f, 0.9f), new CosineAnnealingLr(0.1f, 5), new LinearWarmup(new StepLr(0.1f, 2), 3)];
        foreach (var s in schedules)
            Assert.That(() => s.LearningRate(-1), Throws.ArgumentException
                .With.Message.StartsWith($"{s.GetType().Name}: epoch must be ≥ 0")
                .And.Property(nameof(ArgumentException.ParamName)).EqualTo("epoch"));
    }

    [Test]
    public void Schedule_DrivesAnOptimizer()
    {
        // How a trainer uses a schedule: set the optimizer's rate at the start of each epoch.
        var optimizer = new Scratch.Optim.Sgd();
        var s = new StepLr(0.1f, 2);
        var seen = new List<float>();
        for (int epoch = 0; epoch < 5; epoch++)
        {
            optimizer.LearningRate = s.LearningRate(epoch);
            seen.Add(optimizer.LearningRate);
        }
        Assert.That(seen, Is.EqualTo(new[] { 0.1f, 0.1f, 0.01f, 0.01f, 0.001f }).Within(1e-8f));
    }
}
