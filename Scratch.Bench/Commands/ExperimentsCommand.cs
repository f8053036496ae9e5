using System.CommandLine;
using Scratch.Bench.Experiments;

namespace Scratch.Bench.Commands;

/// <summary><c>experiments [NAME|all] [--output DIR]</c>: the course's experiments, each writing PNGs and its key numbers.</summary>
internal static class ExperimentsCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = $"all, or one of: {string.Join(", ", ExperimentRunner.All.Select(e => e.Name))}", DefaultValueFactory = _ => "all" };
        var output = new Option<string>("--output") { Description = "directory for the figures", DefaultValueFactory = _ => "experiments" };
        var list = new Option<bool>("--list") { Description = "list the experiments and exit" };
        var command = new Command("experiments", "Run the course's experiments (optimizers, schedules, init, batch norm, overfitting, …) and write their figures.")
        {
            name, output, list,
        };
        command.SetAction(r => Program.Guarded(() => Run(r.GetValue(name)!, r.GetValue(output)!, r.GetValue(list))));
        return command;
    }

    private static int Run(string name, string output, bool list)
    {
        if (list)
        {
            foreach (Experiment e in ExperimentRunner.All) Console.WriteLine($"{e.Name,-22} {e.Description}");
            return 0;
        }
        Experiment[] chosen = name == "all"
            ? [.. ExperimentRunner.All]
            : [ExperimentRunner.All.FirstOrDefault(e => e.Name == name)
               ?? throw new UsageException($"experiments: unknown experiment '{name}'; expected all or one of {string.Join(", ", ExperimentRunner.All.Select(e => e.Name))}.")];
        foreach (Experiment experiment in chosen)
            ExperimentRunner.Run(experiment, output, smoke: false, Console.Out);
        return 0;
    }
}
