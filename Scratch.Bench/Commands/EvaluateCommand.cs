using System.CommandLine;
using Scratch.Bench.Runs;
using Scratch.Tensors;
using Spectre.Console;

namespace Scratch.Bench.Commands;

/// <summary><c>evaluate</c>: a trained network's test accuracy, per-class accuracy and confusion matrix.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "a run directory, or a checkpoint file (.safetensors rebuilds its own network; .npz needs metrics.json beside it or --network)", Required = true };
        var network = new Option<string?>("--network") { Description = "the network the checkpoint holds, when no metrics.json is beside it" };
        var dataDir = new Option<string?>("--data-dir") { Description = "a directory with the MNIST IDX files (default: the embedded test digits)" };
        var command = new Command("evaluate", "Score a trained network on the test set: accuracy, per-class accuracy and the confusion matrix.")
        {
            checkpoint, network, dataDir,
        };
        command.SetAction(r => Program.Guarded(() => Run(r.GetValue(checkpoint)!, r.GetValue(network), r.GetValue(dataDir))));
        return command;
    }

    private static int Run(string checkpoint, string? network, string? dataDir)
    {
        SavedModel model = SavedModel.Load(checkpoint, network);
        var (x, t) = model.TestSet(dataDir);
        int classes = model.Spec.Classes;
        int[,] confusion = ConfusionMatrix(model, x, t, classes);
        int n = t.Dim(0), correct = 0;
        for (int c = 0; c < classes; c++) correct += confusion[c, c];
        Console.WriteLine($"{model.Spec.Network} from {model.CheckpointPath}: {n:N0} test samples");
        Console.WriteLine($"test accuracy: {(double)correct / n:F4}");

        var table = new Table().Title("confusion matrix (rows: true class, columns: predicted)");
        table.AddColumn("true");
        for (int c = 0; c < classes; c++) table.AddColumn(new TableColumn(c.ToString()).RightAligned());
        table.AddColumn(new TableColumn("accuracy").RightAligned());
        for (int r = 0; r < classes; r++)
        {
            int total = 0;
            var cells = new List<string> { r.ToString() };
            for (int c = 0; c < classes; c++)
            {
                total += confusion[r, c];
                cells.Add(r == c ? $"[bold]{confusion[r, c]}[/]" : confusion[r, c] == 0 ? "[grey]·[/]" : confusion[r, c].ToString());
            }
            cells.Add(total == 0 ? "-" : $"{(double)confusion[r, r] / total:F4}");
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary><c>m[true, predicted]</c> counts over the set, predicted in batches of 100.</summary>
    public static int[,] ConfusionMatrix(SavedModel model, NDArray x, NDArray t, int classes)
    {
        var confusion = new int[classes, classes];
        float[] labels = t.ToArray();
        for (int start = 0; start < x.Dim(0); start += 100)
        {
            int stop = Math.Min(x.Dim(0), start + 100);
            float[] predicted = model.Network.Predict(x.Slice(0, start, stop)).ArgMax(1).ToArray();
            for (int i = 0; i < predicted.Length; i++)
                confusion[(int)labels[start + i], (int)predicted[i]]++;
        }
        return confusion;
    }
}
