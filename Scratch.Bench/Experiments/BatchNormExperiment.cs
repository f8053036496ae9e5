using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Nn;
using Scratch.Optim;

namespace Scratch.Bench.Experiments;

/// <summary>The book's ch06 <c>batch_norm_test.py</c>: training accuracy with and without batch norm across 16 initial weight scales.</summary>
internal sealed class BatchNormExperiment : Experiment
{
    public override string Name => "batch-norm";
    public override string Description => "MultiLayerNetExtend 784-100×5-10 with and without batch norm, 16 weight scales from 1 to 1e-4, 1,000 samples, SGD lr 0.01.";

    public override void Run(ExperimentContext context)
    {
        int trainCount = context.Size(1000, 200), epochs = context.Size(20, 4), batch = 100;
        var ((x, t), _) = Loops.Mnist(trainCount);
        context.Note($"{trainCount} training digits, {epochs} epochs of {trainCount / batch} random batches of {batch} (as the book); batch norm in the book's form (ε 1e-7, momentum 0.9).");
        double[] scales = Enumerable.Range(0, 16).Select(i => Math.Pow(10, -4.0 * i / 15)).ToArray();   // np.logspace(0, -4, num=16)
        var plots = new List<Plot>();
        int bnWins = 0;
        for (int s = 0; s < scales.Length; s++)
        {
            var plot = new Plot();
            var finals = new Dictionary<bool, float>();
            foreach (bool batchNorm in new[] { true, false })
            {
                var network = new MultiLayerNetExtend(784, [100, 100, 100, 100, 100], 10, weightInit: WeightInit.Std(scales[s]), useBatchnorm: batchNorm,
                    semantics: Semantics.Book, seed: 0);
                var optimizer = new Sgd(0.01f);
                var accuracy = new List<float>();
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    Loops.RandomBatches(network, optimizer, x, t, trainCount / batch, batch, seed: (uint)(1000 * s + epoch));
                    accuracy.Add(network.Accuracy(x, t));
                }
                finals[batchNorm] = accuracy[^1];
                var line = plot.Add.ScatterLine(Loops.Steps(epochs, 1), accuracy.Select(a => (double)a).ToArray());
                line.LegendText = batchNorm ? "batch norm" : "plain";
                line.LineWidth = 2;
                line.LinePattern = batchNorm ? LinePattern.Solid : LinePattern.Dashed;
            }
            if (finals[true] > finals[false]) bnWins++;
            if (s is 0 or 5 or 10 or 15)
                context.Report($"w = {scales[s]:G3}: train accuracy with / without BN", finals[true], $"without: {finals[false]:F4}");
            plot.Title($"w = {scales[s]:G3}", size: 12);
            plot.Axes.SetLimitsY(0, 1);
            if (s == 0) plot.ShowLegend(Alignment.UpperLeft);
            else plot.HideLegend();
            plots.Add(plot);
        }
        context.Report("scales (of 16) where batch norm ends higher", bnWins, "almost all: batch norm learns faster and at every scale", "F0");
        Panels.SaveGrid(context.Figure("batch-norm.png"), plots, columns: 4, panelWidth: 280, panelHeight: 210);
    }
}
