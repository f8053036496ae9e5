using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Bench.Experiments;

/// <summary>The book's ch06 <c>weight_init_activation_histogram.py</c> and <c>weight_init_compare.py</c>.</summary>
internal sealed class WeightInitExperiment : Experiment
{
    public override string Name => "weight-init";
    public override string Description => "Activation histograms of 5 layers × 100 units for several activations and weight scales; MNIST loss for std 0.01, Xavier and He.";

    public override void Run(ExperimentContext context)
    {
        var configs = new (string Name, Func<NDArray, NDArray> Activation, Func<int, double> Std, string Course)[]
        {
            ("sigmoid, std 1", Functions.Sigmoid, _ => 1.0, "piled at 0 and 1 (gradients vanish)"),
            ("sigmoid, std 0.01", Functions.Sigmoid, _ => 0.01, "all near 0.5 (no diversity)"),
            ("sigmoid, Xavier", Functions.Sigmoid, n => Math.Sqrt(1.0 / n), "spread out in every layer"),
            ("tanh, Xavier", x => x.Tanh(), n => Math.Sqrt(1.0 / n), "symmetric about 0, spread out"),
            ("ReLU, std 0.01", Functions.Relu, _ => 0.01, "shrinking toward 0 layer by layer"),
            ("ReLU, Xavier", Functions.Relu, n => Math.Sqrt(1.0 / n), "a little shrinking with depth"),
            ("ReLU, He", Functions.Relu, n => Math.Sqrt(2.0 / n), "the same spread in every layer"),
        };
        const int layers = 5, units = 100;
        int samples = context.Size(1000, 200);
        var plots = new List<Plot>();
        foreach (var (name, activation, std, course) in configs)
        {
            var random = new RandomState(0);
            NDArray x = NDArray.RandomNormal([samples, units], 0, 1, random);
            bool relu = name.StartsWith("ReLU", StringComparison.Ordinal), tanh = name.StartsWith("tanh", StringComparison.Ordinal);
            for (int layer = 0; layer < layers; layer++)
            {
                NDArray w = NDArray.RandomNormal([units, units], 0, std(units), random);
                x = activation(NDArray.MatMul(x, w));
                float[] a = x.ToArray();
                var plot = new Plot();
                double lo = tanh ? -1 : 0, hi = 1;
                Panels.Histogram(plot, relu ? a.Where(v => v > 0).Select(v => (double)v) : a.Select(v => (double)v), lo, hi, 30,
                    layer == 0 ? $"{name}: layer 1" : $"layer {layer + 1}");
                plots.Add(plot);
                if (layer == layers - 1)
                    context.Report($"{name}: std of layer-5 activations", Std(a), course);
            }
        }
        Panels.SaveGrid(context.Figure("weight-init-histograms.png"), plots, columns: layers, panelWidth: 250, panelHeight: 190);

        int iterations = context.Size(2000, 50);
        var ((xTrain, tTrain), _) = Loops.Mnist(trainCount: 8000);
        context.Note($"MNIST part: MultiLayerNet 784-100×4-10 ReLU, SGD lr 0.01, batch 128, {iterations} iterations on the 8,000 embedded digits.");
        var series = new List<Series>();
        foreach (var (name, init, course) in new[] { ("std 0.01", WeightInit.Std(0.01), "stays at 2.30 (no learning)"), ("Xavier", WeightInit.Xavier, "≈ 0.3–0.4"), ("He", WeightInit.He, "≈ 0.2–0.3, fastest") })
        {
            var network = new MultiLayerNet(784, [100, 100, 100, 100], 10, weightInit: init, seed: 0);
            List<float> losses = Loops.RandomBatches(network, new Sgd(0.01f), xTrain, tTrain, iterations, 128, seed: 0);
            context.Report($"MNIST {name}: last-100 mean loss", losses.TakeLast(Math.Min(100, losses.Count)).Average(), course);
            series.Add(new Series(name, Loops.Steps(losses.Count), Figure.SmoothCurve(losses)));
        }
        Figure.Lines(context.Figure("weight-init-mnist.png"), "MNIST, 5-layer ReLU MLP, SGD: smoothed loss by weight init", "iteration", "loss", series, yMin: 0, yMax: 2.5);
    }

    private static double Std(float[] a)
    {
        double mean = a.Average(v => (double)v);
        return Math.Sqrt(a.Average(v => (v - mean) * (v - mean)));
    }
}
