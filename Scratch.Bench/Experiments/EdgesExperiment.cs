using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Bench.Experiments;

/// <summary>Sobel filters run through our Convolution on a digit, and SimpleConvNet's first-layer filters before and after training (the book's ch07 figure).</summary>
internal sealed class EdgesExperiment : Experiment
{
    public override string Name => "edges";
    public override string Description => "Vertical and horizontal Sobel filters through Convolution on a digit; SimpleConvNet's 30 first-layer filters before and after training.";

    public override void Run(ExperimentContext context)
    {
        var ((xTrain, tTrain), (xTest, tTest)) = Data.Mnist.LoadEmbedded(normalize: true, flatten: false);
        NDArray digit = xTest.Slice(0, 0, 1).Clone();   // (1, 1, 28, 28)
        // Sobel: vertical edges respond to a change along x, horizontal edges to a change along y.
        float[] sobelX = [-1, 0, 1, -2, 0, 2, -1, 0, 1], sobelY = [-1, -2, -1, 0, 0, 0, 1, 2, 1];
        var conv = new Convolution(NDArray.FromArray([.. sobelX, .. sobelY], 2, 1, 3, 3), NDArray.Zeros(2), stride: 1, pad: 1);
        NDArray edges = conv.Forward(digit);                                // (1, 2, 28, 28)
        float[] gx = edges.Slice(1, 0, 1).ToArray(), gy = edges.Slice(1, 1, 2).ToArray();
        float[] magnitude = gx.Zip(gy, (a, b) => MathF.Sqrt(a * a + b * b)).ToArray();
        context.Report("output shape of the Sobel convolution", edges.Dim(2), "(1, 2, 28, 28): pad 1 keeps 28×28", "F0");
        context.Report("max |vertical Sobel| on the digit", gx.Max(MathF.Abs), "≤ 4 for pixels in [0, 1]");
        context.Report("max |horizontal Sobel| on the digit", gy.Max(MathF.Abs), "≤ 4 for pixels in [0, 1]");
        var images = new List<Plot>();
        foreach (var (name, values) in new[] { ($"test digit 0 (label {tTest[0]})", digit.ToArray()), ("vertical Sobel", gx), ("horizontal Sobel", gy), ("magnitude", magnitude) })
        {
            var plot = new Plot();
            Panels.Image(plot, Panels.ToGrid(values, 28, 28), name, name.Contains("Sobel") ? new ScottPlot.Colormaps.Viridis() : null);
            images.Add(plot);
        }
        Panels.SaveGrid(context.Figure("edges-sobel.png"), images, columns: 4, panelWidth: 300, panelHeight: 320);

        int trainCount = context.Size(8000, 300);
        var network = new SimpleConvNet(weightInit: WeightInit.Std(0.01), seed: 0);   // the book's weight_init_std
        NDArray before = network.Params["W1"].Value.Clone();
        var trainer = new Trainer(network, xTrain.Slice(0, 0, trainCount), tTrain.Slice(0, 0, trainCount), xTest, tTest, epochs: 1, miniBatchSize: 100,
            optimizer: new Adam(0.001f), seed: 0);
        float accuracy = trainer.Train();
        NDArray after = network.Params["W1"].Value;
        context.Note($"SimpleConvNet (σ 0.01 as the book), one epoch of Adam lr 0.001 on {trainCount:N0} embedded digits (the book: 20 epochs on 60,000).");
        context.Report("test accuracy after one epoch", accuracy, "≈ 0.99 after 20 epochs on full MNIST");
        context.Report("mean |ΔW1| / mean |W1| before", MeanAbs((after - before).ToArray()) / MeanAbs(before.ToArray()), "filters change from noise to edge and blob detectors");
        var filters = new List<Plot>();
        foreach (var (name, w) in new[] { ("first-layer filters before training", before), ("after one epoch", after) })
        {
            float[] values = w.ToArray();
            var tiles = Enumerable.Range(0, w.Dim(0)).Select(k => Panels.ToGrid(values.AsSpan(k * 25, 25), 5, 5)).ToList();
            var plot = new Plot();
            Panels.Image(plot, Panels.Tile(tiles, columns: 10), name);
            filters.Add(plot);
        }
        Panels.SaveGrid(context.Figure("edges-filters.png"), filters, columns: 1, panelWidth: 700, panelHeight: 260);
    }

    private static double MeanAbs(float[] values) => values.Average(v => Math.Abs((double)v));
}
