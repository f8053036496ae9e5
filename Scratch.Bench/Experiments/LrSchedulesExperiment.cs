using Scratch.Bench.Plots;
using Scratch.Optim.Schedules;

namespace Scratch.Bench.Experiments;

/// <summary>The three schedules of the course over 100 epochs: StepLr(1.0, 20, 0.5), ExponentialLr(1.0, 0.95), CosineAnnealingLr(1.0, 50).</summary>
internal sealed class LrSchedulesExperiment : Experiment
{
    public override string Name => "lr-schedules";
    public override string Description => "StepLr(1.0, 20, 0.5), ExponentialLr(1.0, 0.95) and CosineAnnealingLr(1.0, 50) over 100 epochs.";

    public override void Run(ExperimentContext context)
    {
        var schedules = new (string Name, ILearningRateSchedule Schedule)[]
        {
            ("StepLr(1.0, 20, 0.5)", new StepLr(1.0f, 20, 0.5f)),
            ("ExponentialLr(1.0, 0.95)", new ExponentialLr(1.0f, 0.95f)),
            ("CosineAnnealingLr(1.0, 50)", new CosineAnnealingLr(1.0f, 50)),
            ("5 epochs warm-up + cosine", new LinearWarmup(new CosineAnnealingLr(1.0f, 50), 5)),
        };
        const int epochs = 100;
        double[] x = Loops.Steps(epochs);
        foreach (var (name, schedule) in schedules.Take(3))
            foreach (int epoch in new[] { 20, 50, 99 })
                context.Report($"{name} at epoch {epoch}", schedule.LearningRate(epoch), Expected(name, epoch), "F6");
        Figure.Lines(context.Figure("lr-schedules.png"), "learning-rate schedules", "epoch", "learning rate",
            schedules.Select(s => new Series(s.Name, x, x.Select(e => (double)s.Schedule.LearningRate((int)e)).ToArray())));
    }

    /// <summary>The closed forms as the course computes them in Python.</summary>
    private static string Expected(string name, int epoch) => name[0] switch
    {
        'S' => $"0.5^{epoch / 20} = {Math.Pow(0.5, epoch / 20):F6}",
        'E' => $"0.95^{epoch} = {Math.Pow(0.95, epoch):F6}",
        _ => $"(1 + cos(π·{epoch}/50))/2 = {(1 + Math.Cos(Math.PI * epoch / 50)) / 2:F6}",
    };
}
