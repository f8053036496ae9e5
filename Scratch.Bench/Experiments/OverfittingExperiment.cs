using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Nn;
using Scratch.Optim;

namespace Scratch.Bench.Experiments;

/// <summary>The book's ch06 <c>overfit_weight_decay.py</c> and <c>overfit_dropout.py</c>: 300 samples, a 7-layer MLP, plain, λ 0.1, dropout 0.15.</summary>
internal sealed class OverfittingExperiment : Experiment
{
    public override string Name => "overfitting";
    public override string Description => "300 training digits, MLP 784-100×6-10: plain, weight decay λ 0.1, dropout 0.15; train vs test accuracy per epoch.";

    public override void Run(ExperimentContext context)
    {
        int epochs = context.Size(201, 20);
        var ((x, t), (xTest, tTest)) = Loops.Mnist(trainCount: 300, testCount: 500);
        context.Note($"300 training digits, {epochs} epochs, SGD lr 0.01, batch 100; test on 500 embedded test digits (the book: 10,000).");
        var runs = new (string Name, Func<Sequential> Create, string Course)[]
        {
            ("plain", () => new MultiLayerNet(784, [100, 100, 100, 100, 100, 100], 10, seed: 0), "train 1.00, test ≈ 0.76: a wide gap"),
            ("weight decay λ 0.1", () => new MultiLayerNet(784, [100, 100, 100, 100, 100, 100], 10, weightDecayLambda: 0.1f, seed: 0), "train < 1, a narrower gap"),
            ("dropout 0.15", () => new MultiLayerNetExtend(784, [100, 100, 100, 100, 100, 100], 10, useDropout: true, dropoutRatio: 0.15f, seed: 0), "a narrower gap, slower to fit"),
        };
        var plots = new List<Plot>();
        foreach (var (name, create, course) in runs)
        {
            Sequential network = create();
            var trainer = new Trainer(network, x, t, xTest, tTest, epochs: epochs, miniBatchSize: 100, optimizer: new Sgd(0.01f), seed: 0);
            trainer.Train();
            double[] e = Loops.Steps(epochs, 1);
            var plot = new Plot();
            var train = plot.Add.ScatterLine(e, trainer.TrainAccList.Select(a => (double)a).ToArray());
            train.LegendText = "train";
            var test = plot.Add.ScatterLine(e, trainer.TestAccList.Select(a => (double)a).ToArray());
            test.LegendText = "test";
            Figure.Decorate(plot, name, "epoch", "accuracy");
            plot.Axes.SetLimitsY(0, 1.02);
            plot.ShowLegend(Alignment.LowerRight);
            plots.Add(plot);
            context.Report($"{name}: final train accuracy", trainer.TrainAccList[^1], course);
            context.Report($"{name}: final test accuracy", trainer.TestAccList[^1]);
            context.Report($"{name}: gap", trainer.TrainAccList[^1] - trainer.TestAccList[^1]);
        }
        Panels.SaveGrid(context.Figure("overfitting.png"), plots, columns: 3, panelWidth: 400, panelHeight: 320);
    }
}
