using Scratch.Bench.Plots;
using Scratch.Nn;
using Scratch.Optim;

namespace Scratch.Bench.Experiments;

/// <summary>The book's ch06 <c>optimizer_compare_mnist.py</c>: SGD, Momentum, AdaGrad, RMSprop and Adam on a 5-layer 100-unit MLP.</summary>
internal sealed class OptimizersMnistExperiment : Experiment
{
    public override string Name => "optimizers-mnist";
    public override string Description => "SGD, Momentum, AdaGrad, RMSprop, Adam on MNIST, MultiLayerNet 784-100×4-10, batch 128 (the book's ch06 comparison).";

    public override void Run(ExperimentContext context)
    {
        int iterations = context.Size(2000, 60);
        var ((x, t), _) = Loops.Mnist(trainCount: 8000);
        context.Note($"{iterations} iterations of batch 128 on the 8,000 embedded training digits (the book: 2,000 on 60,000).");
        var runs = new (string Name, Func<IOptimizer> Create, string Course)[]
        {
            ("SGD lr 0.01", () => new Sgd(0.01f), "≈ 0.3 after 2,000 iterations, the slowest"),
            ("Momentum lr 0.01", () => new Momentum(0.01f), "≈ 0.05–0.1"),
            ("AdaGrad lr 0.01", () => new AdaGrad(0.01f), "≈ 0.05, among the fastest"),
            ("RMSprop lr 0.01", () => new RmsProp(0.01f), "fast, noisier"),
            ("Adam lr 0.001", () => new Adam(0.001f), "≈ 0.05–0.1"),
        };
        var series = new List<Series>();
        foreach (var (name, create, course) in runs)
        {
            var network = new MultiLayerNet(784, [100, 100, 100, 100], 10, seed: 0);
            List<float> losses = Loops.RandomBatches(network, create(), x, t, iterations, 128, seed: 0);
            double lastHundred = losses.TakeLast(Math.Min(100, losses.Count)).Average();
            context.Report($"{name}: last-100 mean loss", lastHundred, course);
            series.Add(new Series(name, Loops.Steps(losses.Count), Figure.SmoothCurve(losses)));
        }
        Figure.Lines(context.Figure("optimizers-mnist.png"), "MNIST, 5-layer MLP: smoothed training loss", "iteration", "loss", series, yMin: 0, yMax: 1.0);
    }
}
