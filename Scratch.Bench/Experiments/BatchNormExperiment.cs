using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Nn;
using Scratch.Optim;

namespace Scratch.Bench.Experiments;

/// <summary>
/// The book's ch06 <c>batch_norm_test.py</c>: training accuracy with and without batch norm across 16 initial weight scales,
/// the batch norm in both conventions (the book's and PyTorch's).
/// </summary>
internal sealed class BatchNormExperiment : Experiment
{
    public override string Name => "batch-norm";
    public override string Description => "MultiLayerNetExtend 784-100×5-10 without batch norm and with it in the book's and PyTorch's conventions, 16 weight scales from 1 to 1e-4, 1,000 samples, SGD lr 0.01.";

    /// <summary>The three networks of each panel: no batch norm, or batch norm in one of the conventions.</summary>
    private static readonly (string Label, BatchNormConvention? Convention, LinePattern Pattern)[] Runs =
    [
        ("batch norm (book)", BatchNormConvention.Book, LinePattern.Solid),
        ("batch norm (PyTorch)", BatchNormConvention.PyTorch, LinePattern.Dotted),
        ("plain", null, LinePattern.Dashed),
    ];

    public override void Run(ExperimentContext context)
    {
        int trainCount = context.Size(1000, 200), epochs = context.Size(20, 4), batch = 100;
        var ((x, t), _) = Loops.Mnist(trainCount);
        context.Note($"{trainCount} training digits, {epochs} epochs of {trainCount / batch} random batches of {batch} (as the book). "
            + $"Batch norm (book): ε {BatchNormalization.Epsilon:0e0}, running = 0.9·running + 0.1·batch, both statistics from 0; "
            + $"(PyTorch): ε {BatchNormalization.PyTorchEpsilon:0e0}, the same update (its momentum 0.1 weighs the batch), the running variance from 1.");
        double[] scales = Enumerable.Range(0, 16).Select(i => Math.Pow(10, -4.0 * i / 15)).ToArray();   // np.logspace(0, -4, num=16)
        var plots = new List<Plot>();
        var wins = Runs.Where(r => r.Convention is not null).ToDictionary(r => r.Label, _ => 0);
        for (int s = 0; s < scales.Length; s++)
        {
            var plot = new Plot();
            var finals = new Dictionary<string, float>();
            foreach (var (label, convention, pattern) in Runs)
            {
                Sequential network = Network(scales[s], convention);
                var optimizer = new Sgd(0.01f);
                var accuracy = new List<float>();
                for (int epoch = 0; epoch < epochs; epoch++)
                {
                    Loops.RandomBatches(network, optimizer, x, t, trainCount / batch, batch, seed: (uint)(1000 * s + epoch));
                    accuracy.Add(network.Accuracy(x, t));
                }
                finals[label] = accuracy[^1];
                var line = plot.Add.ScatterLine(Loops.Steps(epochs, 1), accuracy.Select(a => (double)a).ToArray());
                line.LegendText = label;
                line.LineWidth = 2;
                line.LinePattern = pattern;
            }
            foreach (string label in wins.Keys)
                if (finals[label] > finals["plain"]) wins[label]++;
            if (s is 0 or 5 or 10 or 15)
                foreach (string label in wins.Keys)
                    context.Report($"w = {scales[s]:G3}: train accuracy, {label}", finals[label], $"plain {finals["plain"]:F4}");
            plot.Title($"w = {scales[s]:G3}", size: 12);
            plot.Axes.SetLimitsY(0, 1);
            if (s == 0) plot.ShowLegend(Alignment.UpperLeft);
            else plot.HideLegend();
            plots.Add(plot);
        }
        foreach (var (label, count) in wins)
            context.Report($"scales (of 16) where {Short(label)} ends above plain", count, "almost all: batch norm learns faster and at every scale", "F0");
        context.Note("Accuracy is measured at test time, with the running statistics. At small scales PyTorch's running variance, starting at 1, "
            + "takes a few epochs to fall to the tiny batch variances, and at the smallest its ε 1e-5 is no longer small beside them.");
        Panels.SaveGrid(context.Figure("batch-norm.png"), plots, columns: 4, panelWidth: 280, panelHeight: 210);
    }

    /// <summary>"book BN" for "batch norm (book)".</summary>
    private static string Short(string label) => label.Replace("batch norm (", "").Replace(")", " BN");

    /// <summary>
    /// The book's MultiLayerNetExtend (Book semantics, seed 0), with its batch norms rebuilt in <paramref name="convention"/>
    /// (the network itself makes them in the book's), or without batch norm when it is null.
    /// </summary>
    private static Sequential Network(double scale, BatchNormConvention? convention)
    {
        var network = new MultiLayerNetExtend(784, [100, 100, 100, 100, 100], 10, weightInit: WeightInit.Std(scale), useBatchnorm: convention is not null,
            semantics: Semantics.Book, seed: 0);
        if (convention is not BatchNormConvention.PyTorch) return network;
        return new Sequential(network.Layers.Select(layer => layer is BatchNormalization bn
            ? new BatchNormalization(bn.Gamma.Value, bn.Beta.Value, convention: BatchNormConvention.PyTorch)
            : layer), network.LastLayer);
    }
}
