using System.CommandLine;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Bench.Commands;

/// <summary>The small experiments of the book and its sequel: the spiral classifier and XOR.</summary>
internal static class ExperimentCommands
{
    /// <summary><c>spiral</c>: the sequel's ch01 run, TwoLayerNet(2, 10, 3, sigmoid), SGD lr 1.0, batch 30, 300 epochs.</summary>
    public static Command Spiral()
    {
        var command = new Command("spiral", "Train the sequel's TwoLayerNet on the spiral set (SGD lr 1.0, batch 30, 300 epochs).");
        command.SetAction(_ =>
        {
            var (x, t) = Data.Spiral.Load();
            var network = new TwoLayerNet(2, 10, 3, weightInitStd: 0.01, activation: Activation.Sigmoid, seed: 0);
            var trainer = new Trainer(network, x, t, x, t, epochs: 300, miniBatchSize: 30, optimizer: new Sgd(1.0f));
            trainer.EpochCompleted += e => { if (e.Epoch % 30 == 0) Console.WriteLine($"epoch {e.Epoch,3}  loss {e.TrainLoss:F4}  accuracy {e.TrainAccuracy:F4}"); };
            trainer.Train();
            Console.WriteLine($"final loss: {network.Loss(x, t):F4}");
            return 0;
        });
        return command;
    }

    /// <summary><c>xor</c>: a two-layer network learns XOR; a single Affine + sigmoid cannot (its loss stays near ln 2).</summary>
    public static Command Xor()
    {
        var command = new Command("xor", "Show that a hidden layer is needed for XOR.");
        command.SetAction(_ =>
        {
            var (x, t) = LogicGates.Xor();
            foreach (var (name, network) in XorNetworks())
            {
                var optimizer = new Adam(0.05f);
                for (int step = 0; step < 2000; step++)
                {
                    network.Gradient(x, t);
                    optimizer.Update(network.Parameters);
                }
                Console.WriteLine($"{name}: loss {network.Loss(x, t):F4} (ln 2 = {MathF.Log(2):F4}), outputs {network.Predict(x).Sigmoid()}".ReplaceLineEndings(" "));
            }
            return 0;
        });
        return command;
    }

    /// <summary>The two XOR contestants: Affine(2→1) + sigmoid, and Affine(2→8) → tanh → Affine(8→1) + sigmoid.</summary>
    public static IEnumerable<(string Name, Sequential Network)> XorNetworks()
    {
        var random = new RandomState(0);
        yield return ("single Affine + sigmoid", new Sequential(
            [new Affine(NDArray.RandomNormal([2, 1], 0f, 1f, random), NDArray.Zeros(1))], new SigmoidWithLoss()));
        yield return ("two layers (8 tanh units)", new Sequential(
            [
                new Affine(NDArray.RandomNormal([2, 8], 0f, 1f, random), NDArray.Zeros(8)),
                new Tanh(),
                new Affine(NDArray.RandomNormal([8, 1], 0f, 1f, random), NDArray.Zeros(1)),
            ], new SigmoidWithLoss()));
    }
}
