using System.Diagnostics;
using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Nn;
using Scratch.Optim;

namespace Scratch.Bench.Experiments;

/// <summary>The book's ch04/ch05 point: a 784-64-10 network trained by numerical gradient is slow; backprop gives the same gradient at once.</summary>
internal sealed class NumericalGradientExperiment : Experiment
{
    public override string Name => "numerical-gradient";
    public override string Description => "TwoLayerNet 784-64-10 trained a few steps by numerical gradient next to backprop: seconds per step and the largest gradient difference.";

    public override void Run(ExperimentContext context)
    {
        int hidden = context.Size(64, 8), steps = context.Size(2, 1), batch = 3;
        var ((x, t), _) = Loops.Mnist(trainCount: 8000);
        context.Note($"TwoLayerNet 784-{hidden}-10, batch of {batch}, SGD lr 0.1, {steps} steps each way; central differences with h = 1e-2 (float32).");
        var numeric = new TwoLayerNet(784, hidden, 10, seed: 0);
        var backprop = new TwoLayerNet(784, hidden, 10, seed: 0);
        double numericSeconds = 0, backpropSeconds = 0, largestDifference = 0;
        var sgdNumeric = new Sgd(0.1f);
        var sgdBackprop = new Sgd(0.1f);
        backprop.Gradient(x.Slice(0, 0, batch), t.Slice(0, 0, batch));   // warm-up: the first call pays for JIT compilation
        for (int step = 0; step < steps; step++)
        {
            var xb = x.Slice(0, step * batch, (step + 1) * batch);
            var tb = t.Slice(0, step * batch, (step + 1) * batch);
            var clock = Stopwatch.StartNew();
            var numericGrads = numeric.NumericalGradient(xb, tb);
            numericSeconds += clock.Elapsed.TotalSeconds;
            clock.Restart();
            var (_, backpropGrads) = backprop.Gradient(xb, tb);
            backpropSeconds += clock.Elapsed.TotalSeconds;
            foreach (var (key, grad) in backpropGrads)
            {
                float[] a = grad.ToArray(), b = numericGrads[key].ToArray();
                for (int i = 0; i < a.Length; i++) largestDifference = Math.Max(largestDifference, Math.Abs(a[i] - b[i]));
            }
            foreach (var (key, p) in numeric.Params) p.Grad = numericGrads[key];   // train the first network on its numerical gradient
            sgdNumeric.Update(numeric.Parameters);
            sgdBackprop.Update(backprop.Parameters);
        }
        int parameters = numeric.Parameters.Sum(p => p.Value.Size);
        context.Report("parameters", parameters, $"{784 * hidden + hidden + hidden * 10 + 10:N0}", "N0");
        context.Report("numerical gradient: seconds per step", numericSeconds / steps, "seconds to minutes (2 forward passes per parameter)", "F3");
        context.Report("backprop: seconds per step", backpropSeconds / steps, "milliseconds", "F5");
        context.Report("speed-up of backprop", numericSeconds / Math.Max(backpropSeconds, 1e-9), "thousands of times", "N0");
        context.Report("largest |backprop − numerical| gradient", largestDifference, "≈ 1e-10 in float64 with h = 1e-4; float32 needs h = 1e-2 and agrees to ≈ 1e-3", "E2");

        var plot = new Plot();
        plot.Add.Bars(new[] { Math.Log10(numericSeconds / steps * 1e6), Math.Log10(backpropSeconds / steps * 1e6) });
        plot.Axes.Bottom.SetTicks([0, 1], ["numerical gradient", "backprop"]);
        Figure.Decorate(plot, $"one gradient of TwoLayerNet 784-{hidden}-10 ({parameters:N0} parameters)", "", "log₁₀ microseconds per step");
        foreach (var (seconds, position) in new[] { (numericSeconds / steps, 0.0), (backpropSeconds / steps, 1.0) })
        {
            var label = plot.Add.Text(seconds >= 1 ? $"{seconds:G3} s" : $"{seconds * 1000:G3} ms", position, Math.Log10(seconds * 1e6));
            label.LabelAlignment = Alignment.LowerCenter;
            label.LabelFontSize = 16;
        }
        Figure.Save(plot, context.Figure("numerical-gradient.png"), 640, 480);
    }
}
