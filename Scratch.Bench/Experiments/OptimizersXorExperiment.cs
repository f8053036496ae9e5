using Scratch.Bench.Plots;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Bench.Experiments;

/// <summary>The course's optimizer comparison on XOR: a 2-16-1 ReLU/sigmoid MLP with MSE, SGD, momentum and Adam, in both conventions.</summary>
internal sealed class OptimizersXorExperiment : Experiment
{
    public override string Name => "optimizers-xor";
    public override string Description => "2-16-1 ReLU/sigmoid MLP on XOR with MSE: SGD lr 0.5, momentum 0.9 lr 0.5, Adam lr 0.05, 500 epochs; book and PyTorch conventions.";

    public override void Run(ExperimentContext context)
    {
        var (x, t) = LogicGates.Xor();
        int epochs = context.Size(500, 200);
        var runs = new (string Name, Func<IOptimizer> Create)[]
        {
            ("SGD lr 0.5", () => new Sgd(0.5f)),
            ("Momentum 0.9 lr 0.5 (book)", () => new Momentum(0.5f, 0.9f, Convention.Book)),
            ("Momentum 0.9 lr 0.5 (PyTorch)", () => new Momentum(0.5f, 0.9f, Convention.PyTorch)),
            ("Adam lr 0.05 (book)", () => new Adam(0.05f, convention: Convention.Book)),
            ("Adam lr 0.05 (PyTorch)", () => new Adam(0.05f, convention: Convention.PyTorch)),
        };
        var series = new List<Series>();
        var final = new Dictionary<string, float>();
        foreach (var (name, create) in runs)
        {
            Sequential network = Mlp(seed: 42);
            List<float> losses = Loops.FullBatch(network, create(), x, t, epochs);
            final[name] = losses[^1];
            context.Report($"{name}: loss at epoch {epochs}", losses[^1], name.StartsWith("SGD") ? "slowest of the three" : "falls fastest with Adam, then momentum", "E3");
            context.Report($"{name}: accuracy", Loops.BinaryAccuracy(network, x, t, threshold: 0.5f), "1 for momentum and Adam", "F2");
            series.Add(Series.Of(name, losses) with { Dashed = name.EndsWith("(PyTorch)") });
        }
        context.Report("|momentum book − PyTorch| final loss", Math.Abs(final["Momentum 0.9 lr 0.5 (book)"] - final["Momentum 0.9 lr 0.5 (PyTorch)"]),
            "0 up to rounding: with a constant lr the two velocities differ only by the factor −lr", "E2");
        context.Note("Each optimizer's PyTorch curve (dashed) lies on its book curve (solid): with a constant lr the conventions differ only by rounding (momentum) and where ε enters (Adam).");
        Figure.Lines(context.Figure("optimizers-xor.png"), "XOR, 2-16-1 MLP, MSE: loss per epoch", "epoch", "MSE loss", series, logY: true);
    }

    /// <summary>Affine(2→16) → ReLU → Affine(16→1) → sigmoid, MSE loss; He then Xavier weights.</summary>
    public static Sequential Mlp(uint seed)
    {
        var random = new RandomState(seed);
        return new Sequential(
        [
            new Affine(NDArray.RandomNormal([2, 16], 0, Math.Sqrt(2.0 / 2), random), NDArray.Zeros(16)),
            new Relu(),
            new Affine(NDArray.RandomNormal([16, 1], 0, Math.Sqrt(1.0 / 16), random), NDArray.Zeros(1)),
            new Sigmoid(),
        ], new MeanSquaredError());
    }
}
