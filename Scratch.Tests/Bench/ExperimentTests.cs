using Scratch.Bench.Experiments;

namespace Scratch.Tests.Bench;

/// <summary>Every experiment in a smoke run (small sizes, same code): its key numbers fall in the expected bands and its PNGs exist.</summary>
[NonParallelizable]
public class ExperimentTests
{
    private static string _dir = "";

    [OneTimeSetUp]
    public static void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("scratch-experiments-").FullName;

    [OneTimeTearDown]
    public static void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    public static IEnumerable<TestCaseData> Bands()
    {
        static TestCaseData Case(string experiment, params (string Number, double Low, double High)[] bands) =>
            new TestCaseData(experiment, bands).SetName($"Experiment_{experiment}_SmokeRun_NumbersInBand");
        yield return Case("logic-gates", ("AND: accuracy", 1, 1), ("OR: accuracy", 1, 1), ("NAND: accuracy", 1, 1), ("XOR: accuracy", 0, 0.75),
            ("XOR: loss", 0.68, 0.70), ("XOR, hidden layer: accuracy", 1, 1));
        yield return Case("gradient-descent", ("x² from 3.5, lr 0.1: x after 20 steps", 0.040, 0.041), ("x² from 3.5, lr 1.05: x after 20 steps", 23, 24),
            ("x0² + x1² from (−3, 4), lr 0.1: |x| after 100 steps", 0, 1e-6));
        yield return Case("computational-graph", ("price", 714.99, 715.01), ("∂price/∂apple", 2.19, 2.21), ("∂price/∂orange_num", 164.99, 165.01), ("∂price/∂tax", 649.99, 650.01));
        yield return Case("conv-arithmetic", ("OH for H 28, FH 5, pad 2, stride 1", 28, 28), ("OH for H 7, FH 3, pad 0, stride 2", 3, 3),
            ("max pooling 2×2/2 of the 4×4 example", 13, 13), ("average pooling 2×2/2 of the 4×4 example", 6.5, 6.5));
        yield return Case("lr-schedules", ("StepLr(1.0, 20, 0.5) at epoch 99", 0.0625, 0.0625), ("ExponentialLr(1.0, 0.95) at epoch 99", 0.00623, 0.00624),
            ("CosineAnnealingLr(1.0, 50) at epoch 50", 0, 1e-7));
        yield return Case("optimizers-xor", ("SGD lr 0.5: loss at epoch 200", 1e-3, 0.1), ("Adam lr 0.05 (book): loss at epoch 200", 0, 1e-3),
            ("Adam lr 0.05 (PyTorch): accuracy", 1, 1), ("|momentum book − PyTorch| final loss", 0, 1e-6));
        yield return Case("spiral", ("final loss", 0.3, 1.0));   // 60 of the 300 epochs: still on the plateau before the drop
        yield return Case("regularization", ("plain: train accuracy", 0.95, 1), ("dropout 0.3 + L2 λ 0.01: train accuracy", 0.8, 0.97));
        yield return Case("numerical-gradient", ("parameters", 784 * 8 + 8 + 80 + 10, 784 * 8 + 8 + 80 + 10), ("largest |backprop − numerical| gradient", 0, 1e-2));
        yield return Case("edges", ("output shape of the Sobel convolution", 28, 28), ("max |vertical Sobel| on the digit", 2, 4), ("test accuracy after one epoch", 0.3, 1));
        yield return Case("weight-init", ("sigmoid, std 0.01: std of layer-5 activations", 0, 0.05), ("sigmoid, std 1: std of layer-5 activations", 0.35, 0.5),
            ("ReLU, std 0.01: std of layer-5 activations", 0, 1e-4), ("ReLU, He: std of layer-5 activations", 0.5, 2), ("MNIST std 0.01: last-100 mean loss", 2.29, 2.31));
        yield return Case("batch-norm", ("scales (of 16) where book BN ends above plain", 10, 16),
            ("scales (of 16) where PyTorch BN ends above plain", 0, 4));   // 8 batches: its running variance, from 1, still hides the learning
        yield return Case("overfitting", ("plain: final train accuracy", 0.5, 1), ("plain: gap", -0.1, 1));
        yield return Case("optimizers-mnist", ("SGD lr 0.01: last-100 mean loss", 1.5, 2.35), ("Adam lr 0.001: last-100 mean loss", 0.1, 1.5));
    }

    [TestCaseSource(nameof(Bands))]
    public void SmokeRun(string name, (string Number, double Low, double High)[] bands)
    {
        Experiment experiment = ExperimentRunner.All.Single(e => e.Name == name);
        var output = new StringWriter();
        ExperimentContext context = ExperimentRunner.Run(experiment, Path.Combine(_dir, name), smoke: true, output);
        Assert.Multiple(() =>
        {
            foreach (var (number, low, high) in bands)
                Assert.That(context.Numbers[number], Is.InRange(low, high), $"{number}\n{output}");
            Assert.That(context.Figures, Is.Not.Empty);
            foreach (string figure in context.Figures)
                Assert.That(new FileInfo(figure).Length, Is.GreaterThan(5_000), figure);
        });
    }

    [Test]
    public void EveryExperimentHasABandedSmokeTest() =>
        Assert.That(Bands().Select(c => (string)c.Arguments[0]!), Is.EquivalentTo(ExperimentRunner.All.Select(e => e.Name)));
}
