using ScottPlot;
using Scratch.Bench.Plots;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Bench.Experiments;

/// <summary>AND, OR and NAND are learned by one Affine + sigmoid; XOR is not (not linearly separable) until a hidden layer is added.</summary>
internal sealed class LogicGatesExperiment : Experiment
{
    public override string Name => "logic-gates";
    public override string Description => "AND, OR, NAND with one Affine + sigmoid; XOR fails; XOR with a hidden layer of 8 tanh units.";

    public override void Run(ExperimentContext context)
    {
        int steps = context.Size(2000, 300);
        var cases = new (string Name, (NDArray X, NDArray T) Data, bool Hidden)[]
        {
            ("AND", LogicGates.And(), false), ("OR", LogicGates.Or(), false), ("NAND", LogicGates.Nand(), false),
            ("XOR", LogicGates.Xor(), false), ("XOR, hidden layer", LogicGates.Xor(), true),
        };
        var plots = new List<Plot>();
        foreach (var (name, (x, t), hidden) in cases)
        {
            Sequential network = hidden ? TwoLayers(seed: 0) : SingleAffine(seed: 0);
            Loops.FullBatch(network, new Adam(0.05f), x, t, steps);
            float loss = network.Loss(x, t), accuracy = Loops.BinaryAccuracy(network, x, t);
            string course = hidden ? "accuracy 1, loss → 0" : name == "XOR" ? "accuracy ≤ 0.75, loss ≈ ln 2 = 0.6931" : "accuracy 1";
            context.Report($"{name}: accuracy", accuracy, course);
            context.Report($"{name}: loss", loss);
            var plot = new Plot();
            Panels.DecisionRegions(plot, xs => network.Predict(xs).Sigmoid(), -0.5, 1.5, x, t.ToArray().Select(v => (int)v).ToArray());
            plot.Title($"{name}: accuracy {accuracy:F2}");
            plots.Add(plot);
        }
        Panels.SaveGrid(context.Figure("logic-gates.png"), plots, columns: 5, panelWidth: 300, panelHeight: 300);
    }

    /// <summary>Affine(2→1) + sigmoid: a line through the input square.</summary>
    public static Sequential SingleAffine(uint seed)
    {
        var random = new RandomState(seed);
        return new Sequential([new Affine(NDArray.RandomNormal([2, 1], 0, 1, random), NDArray.Zeros(1))], new SigmoidWithLoss());
    }

    /// <summary>Affine(2→8) → tanh → Affine(8→1) + sigmoid.</summary>
    public static Sequential TwoLayers(uint seed)
    {
        var random = new RandomState(seed);
        return new Sequential(
        [
            new Affine(NDArray.RandomNormal([2, 8], 0, 1, random), NDArray.Zeros(8)),
            new Tanh(),
            new Affine(NDArray.RandomNormal([8, 1], 0, 1, random), NDArray.Zeros(1)),
        ], new SigmoidWithLoss());
    }
}
