using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;

namespace Scratch.Bench.Experiments;

/// <summary>The sequel's ch01 run: TwoLayerNet(2, 10, 3, sigmoid) on the spiral set, SGD lr 1.0, batch 30, 300 epochs.</summary>
internal sealed class SpiralExperiment : Experiment
{
    public override string Name => "spiral";
    public override string Description => "TwoLayerNet(2, 10, 3, sigmoid) on the three-arm spiral, SGD lr 1.0, batch 30, 300 epochs; decision regions.";

    public override void Run(ExperimentContext context)
    {
        var (x, t) = Spiral.Load();
        var network = new TwoLayerNet(2, 10, 3, weightInitStd: 0.01, activation: Activation.Sigmoid, seed: 0);
        int epochs = context.Size(300, 60);
        var trainer = new Trainer(network, x, t, x, t, epochs: epochs, miniBatchSize: 30, optimizer: new Sgd(1.0f));
        var epochLoss = new List<float>();
        trainer.EpochCompleted += e => epochLoss.Add(e.TrainLoss);
        trainer.Train();
        context.Report("final loss", network.Loss(x, t), "≈ 0.11 at epoch 300");
        context.Report("training accuracy", network.Accuracy(x, t), "≈ 0.98");

        var loss = new Plot();
        loss.Add.ScatterLine(Loops.Steps(epochs, 1), epochLoss.Select(v => (double)v).ToArray()).LineWidth = 2;
        Figure.Decorate(loss, "mean loss per epoch", "epoch", "loss");
        var regions = new Plot();
        int[] classes = t.ArgMax(1).ToArray().Select(v => (int)v).ToArray();
        Panels.DecisionRegions(regions, xs => network.Predict(xs).ArgMax(1), -1.1, 1.1, x, classes);
        regions.Title("decision regions");
        Panels.SaveGrid(context.Figure("spiral.png"), [regions, loss], columns: 2, panelWidth: 480, panelHeight: 440);
    }
}
