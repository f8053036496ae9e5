using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Scratch.Bench.Plots;
using Scratch.Bench.Runs;
using Scratch.Data;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Optim.Schedules;
using Scratch.Tensors;

namespace Scratch.Bench.Commands;

/// <summary>
/// <c>train</c>: trains one of the book's networks on MNIST (the embedded 10k digits by default), shows live progress, and
/// writes a run directory with <c>metrics.json</c>, <c>loss.png</c>, <c>accuracy.png</c> and <c>model.safetensors</c>.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var o = new TrainOptions.Cli();
        var command = new Command("train", "Train a network on MNIST, show progress, and write a run directory (metrics.json, loss.png, accuracy.png, model checkpoint).");
        foreach (Option option in o.All) command.Options.Add(option);
        command.SetAction(result => Program.Guarded(() => Run(o.Read(result))));
        return command;
    }

    public static int Run(TrainOptions options)
    {
        RunMetrics? previous = null;
        if (options.Resume is not null) (options, previous) = ResumeFrom(options);
        options.Validate();
        if (options.Threads is int threads) UseCores(threads);
        string runDir = options.Output ?? Path.Combine("runs", $"{options.Network}-{DateTime.Now:yyyyMMdd-HHmmss}");
        RunFiles.EnsureWritable(runDir, "--output");                                           // before the first epoch, not after the last
        if (options.Save is not null) RunFiles.EnsureWritable(Path.GetDirectoryName(Path.GetFullPath(options.Save))!, "--save");

        bool flat = NetworkSpec.Flat(options.Network);
        var ((xTrain, tTrain), (xTest, tTest)) = options.DataDir is null
            ? Mnist.LoadEmbedded(normalize: true, flatten: flat)
            : Mnist.Load(options.DataDir, normalize: true, flatten: flat);
        int classes = (int)tTrain.Max().Item() + 1;
        var spec = previous?.Spec ?? new NetworkSpec(options.Network, xTrain.Shape[1..], Math.Max(classes, 10), options.Hidden, options.Dropout,
            options.BatchNorm, options.WeightDecay, options.Init, options.Semantics, options.Seed);
        Sequential network = spec.Build();
        IOptimizer optimizer = options.CreateOptimizer();
        const string checkpointName = "model.safetensors";   // its metadata names the network, so the file alone rebuilds it
        int completed = previous?.Epochs.Count ?? 0;
        if (previous is not null)
        {
            Checkpoint.Load(Path.Combine(runDir, previous.Checkpoint), network);
            OptimizerStateFile.Load(Path.Combine(runDir, OptimizerStateFile.FileName), optimizer, network);
            DropoutStateFile.Load(Path.Combine(runDir, DropoutStateFile.FileName), network);
        }
        var trainer = new Trainer(network, xTrain, tTrain, xTest, tTest, options.Epochs, options.BatchSize, optimizer,
            options.CreateSchedule(), options.EvalSamples, options.Semantics, options.Seed, options.CheckInput);

        int parameters = network.Parameters.Sum(p => p.Value.Size);
        string batch = trainer.BatchSize == options.BatchSize
            ? $"batch {trainer.BatchSize}"
            : $"batch {trainer.BatchSize} (asked {options.BatchSize}; the training set holds {xTrain.Dim(0)})";
        TrainingView.WriteLine($"{options.Network}: {parameters:N0} parameters; train {Shapes.Format(xTrain.Shape)}, test {Shapes.Format(xTest.Shape)}; " +
            $"{options.Optimizer} lr {Invariant(options.Lr)}{(options.Schedule == "none" ? "" : $" ({options.Schedule} schedule)")}, {batch}, {options.Epochs} epochs, seed {options.Seed}, {options.Semantics}");
        if (previous is not null) TrainingView.WriteLine($"resuming {runDir} after epoch {completed}");

        var metrics = new RunMetrics
        {
            Options = options.ToDictionary(), Settings = options with { Resume = null, EpochsGiven = false }, Spec = spec, Parameters = parameters,
            TrainSamples = xTrain.Dim(0), TestSamples = xTest.Dim(0), BatchSize = trainer.BatchSize, Checkpoint = checkpointName,
            Epochs = previous?.Epochs ?? [],
        };
        float[] priorLoss = previous?.StepLoss.ToArray() ?? [];
        int samplesPerEpoch = trainer.Semantics == Semantics.Book
            ? (xTrain.Dim(0) + trainer.BatchSize - 1) / trainer.BatchSize * trainer.BatchSize
            : xTrain.Dim(0);
        trainer.EpochCompleted += e =>
        {
            metrics.Epochs.Add(new EpochMetrics(e.Epoch, e.TrainLoss, e.TrainAccuracy, e.TestAccuracy, e.LearningRate, e.Seconds, samplesPerEpoch / e.Seconds));
            SaveRun(runDir, metrics, priorLoss, trainer, network, checkpointName);   // after every epoch: an interrupted run keeps its last good epoch
        };
        float accuracy = TrainingView.Run(trainer,
            e => $"epoch {e.Epoch,3}  loss {e.TrainLoss:F4}  train acc {e.TrainAccuracy:F4}  test acc {e.TestAccuracy:F4}  lr {Invariant(e.LearningRate)}  {e.Seconds:F2} s",
            () => trainer.Train(completed));
        metrics.FinalTestAccuracy = accuracy;
        SaveRun(runDir, metrics, priorLoss, trainer, network, checkpointName);
        if (options.Save is not null) Checkpoint.Save(options.Save, network);
        Console.WriteLine($"test accuracy: {accuracy:F4}");
        Console.WriteLine($"run directory: {runDir}");
        return 0;
    }

    /// <summary>The options a run directory was trained with (its own, with <c>--epochs</c> raised when given), and its metrics so far.</summary>
    private static (TrainOptions, RunMetrics) ResumeFrom(TrainOptions given)
    {
        string resume = given.Resume!;
        string directory = Directory.Exists(resume) ? resume : Path.GetDirectoryName(Path.GetFullPath(resume)) ?? resume;
        if (!File.Exists(Path.Combine(directory, "metrics.json")))
            throw new UsageException($"--resume: no metrics.json in '{directory}'; expected a run directory written by train.");
        RunMetrics previous = RunMetrics.Load(directory);
        TrainOptions settings = previous.Settings ?? throw new UsageException($"--resume: {directory}/metrics.json does not record the run's options.");
        int epochs = given.EpochsGiven ? given.Epochs : settings.Epochs;
        if (previous.Epochs.Count >= epochs)
            throw new UsageException($"--resume: {directory} has completed {previous.Epochs.Count} of {epochs} epochs; pass --epochs with a larger count to train on.");
        return (settings with { Output = directory, Epochs = epochs }, previous);
    }

    /// <summary>Writes the checkpoint, metrics.json, loss.png and accuracy.png (each through a temporary file).</summary>
    private static void SaveRun(string runDir, RunMetrics metrics, float[] priorLoss, Trainer trainer, Sequential network, string checkpointName)
    {
        Checkpoint.Save(Path.Combine(runDir, checkpointName), network);
        OptimizerStateFile.Save(Path.Combine(runDir, OptimizerStateFile.FileName), trainer.Optimizer, network);
        DropoutStateFile.Save(Path.Combine(runDir, DropoutStateFile.FileName), network);
        metrics.StepLoss.Clear();
        metrics.StepLoss.AddRange(priorLoss);
        metrics.StepLoss.AddRange(trainer.TrainLossList);
        metrics.Save(runDir);
        double[] steps = Enumerable.Range(1, metrics.StepLoss.Count).Select(i => (double)i).ToArray();
        Figure.Lines(Path.Combine(runDir, "loss.png"), $"{metrics.Spec.Network}: training loss per step", "step", "loss",
        [
            new Series("loss", steps, metrics.StepLoss.Select(v => (double)v).ToArray(), Faint: true),
            new Series("smoothed (smooth_curve)", steps, Figure.SmoothCurve(metrics.StepLoss)),
        ]);
        double[] epochs = metrics.Epochs.Select(e => (double)e.Epoch).ToArray();
        Figure.Lines(Path.Combine(runDir, "accuracy.png"), $"{metrics.Spec.Network}: accuracy per epoch", "epoch", "accuracy",
        [
            new Series("train", epochs, metrics.Epochs.Select(e => (double)e.TrainAccuracy).ToArray()),
            new Series("test", epochs, metrics.Epochs.Select(e => (double)e.TestAccuracy).ToArray()),
        ], yMax: 1.002);
    }

    /// <summary>Pins the process to the first <paramref name="threads"/> cores, so every kernel's threads share those cores.</summary>
    private static void UseCores(int threads)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows())
            Process.GetCurrentProcess().ProcessorAffinity = (nint)((1L << threads) - 1);
        else
            throw new UsageException("--threads: pinning to cores is supported on Linux and Windows only.");
    }

    private static string Invariant(float value) => value.ToString(CultureInfo.InvariantCulture);
}
