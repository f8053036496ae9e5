using System.CommandLine;
using Scratch.Bench.Runs;
using Scratch.Nn;
using Scratch.Tensors;
using Spectre.Console;

namespace Scratch.Bench.Commands;

/// <summary><c>summary</c>: each layer of a network with its output shape, parameter count and FLOPs per sample: where the work is.</summary>
internal static class SummaryCommand
{
    public static Command Create()
    {
        var network = new Option<string>("--network") { Description = string.Join(", ", NetworkSpec.Names), DefaultValueFactory = _ => "simpleconv" };
        var batchNorm = new Option<bool>("--batch-norm") { Description = "with batch normalization (mlp, simpleconv)" };
        var hidden = new Option<string?>("--hidden") { Description = "hidden sizes, comma-separated" };
        var command = new Command("summary", "List a network's layers with output shape, parameters and FLOPs per sample.") { network, batchNorm, hidden };
        command.SetAction(r => Program.Guarded(() =>
        {
            var options = new TrainOptions { Network = r.GetValue(network)!, BatchNorm = r.GetValue(batchNorm), Hidden = ParseHidden(r.GetValue(hidden)) };
            options.Validate();
            return Run(options);
        }));
        return command;
    }

    private static int[]? ParseHidden(string? text) =>
        text is null ? null
        : text.Split(',').Select(s => int.TryParse(s, out int v) ? v : throw new UsageException($"--hidden: expected sizes such as 100,100, got '{text}'.")).ToArray();

    private static int Run(TrainOptions options)
    {
        int[] input = NetworkSpec.Flat(options.Network) ? [784] : [1, 28, 28];
        var spec = new NetworkSpec(options.Network, input, 10, options.Hidden, options.Dropout, options.BatchNorm, 0f, "he", Semantics.Modern, 0);
        List<LayerCost> rows = LayerCost.Of(spec.Build(), input);
        long totalParameters = rows.Sum(r => r.Parameters), totalFlops = rows.Sum(r => r.Flops);
        var table = new Table().Title($"{options.Network}, input {Shapes.Format(input)} per sample");
        table.AddColumn("#").AddColumn("layer").AddColumn("output").AddColumn(new TableColumn("parameters").RightAligned())
            .AddColumn(new TableColumn("FLOPs / sample").RightAligned()).AddColumn(new TableColumn("share").RightAligned());
        for (int i = 0; i < rows.Count; i++)
        {
            LayerCost r = rows[i];
            table.AddRow((i + 1).ToString(), r.Layer, Shapes.Format(r.OutputShape), r.Parameters.ToString("N0"), r.Flops.ToString("N0"),
                $"{100.0 * r.Flops / totalFlops:F1} %");
        }
        table.AddRow("", "[bold]total[/]", "", $"[bold]{totalParameters:N0}[/]", $"[bold]{totalFlops:N0}[/]", "100 %");
        AnsiConsole.Write(table);
        return 0;
    }
}
