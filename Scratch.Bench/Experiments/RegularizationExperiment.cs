using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Bench.Experiments;

/// <summary>The course's MLP on the circle data set, plain and with inverted dropout plus L2: decision regions and accuracies.</summary>
internal sealed class RegularizationExperiment : Experiment
{
    public override string Name => "regularization";
    public override string Description => "MLP 2-100-100-1 on 100 noisy points of the circle set, plain vs inverted dropout 0.3 + L2 λ 0.01; decision regions.";

    public override void Run(ExperimentContext context)
    {
        var (x, t) = Circle.Load(100, seed: 0);
        float[] labels = t.ToArray();
        for (int i = 0; i < labels.Length; i += 10) labels[i] = 1 - labels[i];   // 10 % label noise: what a regularizer should ignore
        t = NDArray.FromArray(labels, labels.Length, 1);
        var (xTest, tTest) = Circle.Load(2000, seed: 1);
        int steps = context.Size(2000, 300);
        context.Note($"100 training points with every 10th label flipped (so the plain network can overfit), 2,000 clean test points; Adam lr 0.01, {steps} full-batch steps.");
        var plots = new List<Plot>();
        foreach (var (name, dropout, lambda) in new[] { ("plain", 0f, 0f), ("dropout 0.3 + L2 λ 0.01", 0.3f, 0.01f) })
        {
            Sequential network = Mlp(dropout, lambda, seed: 0);
            Loops.FullBatch(network, new Adam(0.01f), x, t, steps);
            float train = Loops.BinaryAccuracy(network, x, t), test = Loops.BinaryAccuracy(network, xTest, tTest);
            context.Report($"{name}: train accuracy", train, name == "plain" ? "≈ 1.00: the flipped labels memorised" : "≈ 0.90: the flipped labels left alone");
            context.Report($"{name}: test accuracy", test, name == "plain" ? "lower: a jagged boundary" : "higher: a rounder boundary");
            var plot = new Plot();
            Panels.DecisionRegions(plot, xs => network.Predict(xs).Sigmoid(), -1.05, 1.05, x, t.ToArray().Select(v => (int)v).ToArray());
            var circle = plot.Add.Circle(0, 0, Circle.Boundary);
            circle.LineColor = Colors.White;
            circle.LineWidth = 2;
            circle.LinePattern = LinePattern.Dashed;
            plot.Title($"{name}: train {train:F2}, test {test:F2}");
            plots.Add(plot);
        }
        Panels.SaveGrid(context.Figure("regularization.png"), plots, columns: 2, panelWidth: 480, panelHeight: 480);
    }

    /// <summary>Affine(2→100) → ReLU → [Dropout] → Affine(100→100) → ReLU → [Dropout] → Affine(100→1), sigmoid loss, L2 λ on every W.</summary>
    private static Sequential Mlp(float dropout, float lambda, uint seed)
    {
        var random = new RandomState(seed);
        var layers = new List<ILayer>();
        int[] sizes = [2, 100, 100, 1];
        for (int k = 1; k < sizes.Length; k++)
        {
            layers.Add(new Affine(NDArray.RandomNormal([sizes[k - 1], sizes[k]], 0, Math.Sqrt(2.0 / sizes[k - 1]), random), NDArray.Zeros(sizes[k])));
            if (k == sizes.Length - 1) break;
            layers.Add(new Relu());
            if (dropout > 0) layers.Add(new Dropout(dropout, Semantics.Modern, new RandomState(seed + (uint)k)));
        }
        return new Sequential(layers, new SigmoidWithLoss(), lambda);
    }
}
