using System.CommandLine;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Bench.Commands;

/// <summary><c>train</c>: trains one of the book's networks on MNIST (the embedded 10k digits by default) and prints the test accuracy.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var network = new Option<string>("--network") { Description = "simpleconv, deepconv, mlp (MultiLayerNetExtend 4×100 with batch norm and dropout 0.2) or twolayer", DefaultValueFactory = _ => "simpleconv" };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, momentum, nesterov, adagrad, rmsprop, adam or adamw", DefaultValueFactory = _ => "adam" };
        var lr = new Option<float>("--lr") { Description = "learning rate", DefaultValueFactory = _ => 1e-3f };
        var epochs = new Option<int>("--epochs") { Description = "passes over the training set", DefaultValueFactory = _ => 10 };
        var batchSize = new Option<int>("--batch-size") { Description = "samples per mini-batch", DefaultValueFactory = _ => 100 };
        var seed = new Option<uint>("--seed") { Description = "seed of the weights and the batch order", DefaultValueFactory = _ => 0u };
        var init = new Option<string>("--init") { Description = "he, xavier or a number σ (the book's weight_init_std)", DefaultValueFactory = _ => "he" };
        var semantics = new Option<Semantics>("--semantics") { Description = "Modern (inverted dropout, permutation per epoch) or Book", DefaultValueFactory = _ => Semantics.Modern };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "a directory with the four MNIST/Fashion-MNIST IDX files (raw or .gz) instead of the embedded 10k digits" };
        var save = new Option<FileInfo?>("--save") { Description = "write the trained parameters to this .npz checkpoint" };
        var command = new Command("train", "Train a network on MNIST and report the test accuracy.")
        {
            network, optimizer, lr, epochs, batchSize, seed, init, semantics, dataDir, save,
        };
        command.SetAction(result => Program.Guarded(() => Run(result.GetValue(network)!, result.GetValue(optimizer)!, result.GetValue(lr), result.GetValue(epochs),
            result.GetValue(batchSize), result.GetValue(seed), result.GetValue(init)!, result.GetValue(semantics), result.GetValue(dataDir), result.GetValue(save))));
        return command;
    }

    private static int Run(string networkName, string optimizerName, float lr, int epochs, int batchSize, uint seed, string initName,
        Semantics semantics, DirectoryInfo? dataDir, FileInfo? save)
    {
        bool flatten = networkName is "mlp" or "twolayer";
        var ((xTrain, tTrain), (xTest, tTest)) = dataDir is null
            ? Mnist.LoadEmbedded(normalize: true, flatten: flatten)
            : Mnist.Load(dataDir.FullName, normalize: true, flatten: flatten);
        WeightInit init = WeightInit.Parse(initName);
        int[] inputDim = xTrain.Shape[1..];
        int classes = 10;
        Sequential network = networkName switch
        {
            "simpleconv" => new SimpleConvNet(inputDim, weightInit: init, outputSize: classes, semantics: semantics, seed: seed),
            "deepconv" => new DeepConvNet(inputDim, outputSize: classes, semantics: semantics, seed: seed),
            "mlp" => new MultiLayerNetExtend(inputDim[0], [100, 100, 100, 100], classes, weightInit: init, useDropout: true, dropoutRatio: 0.2f,
                useBatchnorm: true, semantics: semantics, seed: seed),
            "twolayer" => new TwoLayerNet(inputDim[0], 50, classes, seed: seed),
            _ => throw new ArgumentException($"train: unknown network '{networkName}'; expected simpleconv, deepconv, mlp or twolayer."),
        };
        Console.WriteLine($"{networkName}: {network.Parameters.Sum(p => p.Value.Size):N0} parameters; train {Shape.Format(xTrain.Shape)}, test {Shape.Format(xTest.Shape)}; " +
            $"{optimizerName} lr {lr}, batch {batchSize}, {epochs} epochs, seed {seed}, {semantics}");
        var trainer = new Trainer(network, xTrain, tTrain, xTest, tTest, epochs, batchSize, Trainer.CreateOptimizer(optimizerName, lr),
            semantics: semantics, seed: seed);
        trainer.EpochCompleted += e => Console.WriteLine(
            $"epoch {e.Epoch,3}  loss {e.TrainLoss:F4}  train acc {e.TrainAccuracy:F4}  test acc {e.TestAccuracy:F4}  {e.Seconds:F2} s");
        float accuracy = trainer.Train();
        Console.WriteLine($"test accuracy: {accuracy:F4}");
        if (save is not null)
        {
            Checkpoint.Save(save.FullName, network);
            Console.WriteLine($"saved {save.FullName}");
        }
        return 0;
    }
}
