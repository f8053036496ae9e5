using BenchmarkDotNet.Running;

namespace Scratch.Bench;

/// <summary>Entry point: <c>bench …</c> runs the BenchmarkDotNet suites; the other commands are the training runs.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "bench")
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
            return 0;
        }
        Console.Error.WriteLine("usage: Scratch.Bench bench [BenchmarkDotNet options]");
        return 2;
    }
}
