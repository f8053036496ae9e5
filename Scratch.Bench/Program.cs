using System.CommandLine;
using BenchmarkDotNet.Running;
using Scratch.Bench.Commands;

namespace Scratch.Bench;

/// <summary>Entry point: <c>train</c> (the main job), the experiment runs, and <c>bench …</c> for the BenchmarkDotNet suites.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "bench")   // everything after "bench" belongs to BenchmarkDotNet
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
            return 0;
        }
        var root = new RootCommand("Scratch: a from-scratch tensor engine and the book's networks. `bench --filter *Gemm*` runs the kernel benchmarks.")
        {
            TrainCommand.Create(),
            ExperimentCommands.Spiral(),
            ExperimentCommands.Xor(),
            TourCommand.Create(),
            ProfileCommand.Create(),
            PeersCommand.Create(),
            ExportCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }

    /// <summary>Runs a command, turning bad input (a wrong option, a missing or corrupt data file) into one line on stderr and exit code 1.</summary>
    internal static int Guarded(Func<int> command)
    {
        try
        {
            return command();
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
