using System.CommandLine;
using BenchmarkDotNet.Running;
using Scratch.Bench.Commands;
using Scratch.Nn;

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
            EvaluateCommand.Create(),
            PredictCommand.Create(),
            SummaryCommand.Create(),
            ExperimentsCommand.Create(),
            TourCommand.Create(),
            ProfileCommand.Create(),
            PeersCommand.Create(),
            ExportCommand.Create(),
            SoakCommand.Create(),
        };
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)   // a bad option or value: one line naming it, exit code 2
        {
            Console.Error.WriteLine($"error: {parsed.Errors[0].Message} (see --help)");
            return 2;
        }
        return parsed.Invoke();
    }

    /// <summary>
    /// Runs a command, turning a bad option value into one line on stderr and exit code 2, and bad input (a missing or
    /// corrupt data file) or a diverged training run into one line and exit code 1.
    /// </summary>
    internal static int Guarded(Func<int> command)
    {
        try
        {
            return command();
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (NonFiniteException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
