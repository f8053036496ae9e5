using System.Diagnostics;
using System.Globalization;

namespace Scratch.Bench.Experiments;

/// <summary>One of the course's runs, regenerated on our tensors: it writes at least one PNG and reports its key numbers.</summary>
internal abstract class Experiment
{
    /// <summary>The name on the command line (<c>experiments NAME</c>).</summary>
    public abstract string Name { get; }

    /// <summary>One line: what the experiment shows.</summary>
    public abstract string Description { get; }

    /// <summary>Runs the experiment, writing figures into <see cref="ExperimentContext.OutputDir"/> and numbers through <see cref="ExperimentContext.Report"/>.</summary>
    public abstract void Run(ExperimentContext context);
}

/// <summary>Where an experiment writes, how big it runs, and what it found.</summary>
/// <param name="OutputDir">Directory for the PNGs (created by the caller).</param>
/// <param name="Smoke">Small sizes for tests: fewer epochs and samples, same code paths.</param>
/// <param name="Out">Where the report lines go.</param>
internal sealed class ExperimentContext(string OutputDir, bool Smoke, TextWriter Out)
{
    public string OutputDir { get; } = OutputDir;
    public bool Smoke { get; } = Smoke;
    public TextWriter Out { get; } = Out;

    /// <summary>The key numbers by name (tests check them against bands).</summary>
    public Dictionary<string, double> Numbers { get; } = [];

    /// <summary>The PNGs written, in order.</summary>
    public List<string> Figures { get; } = [];

    /// <summary><paramref name="full"/> normally, <paramref name="smoke"/> in a smoke run.</summary>
    public T Size<T>(T full, T smoke) => Smoke ? smoke : full;

    /// <summary>Records a key number and prints it beside the course's value.</summary>
    public void Report(string name, double value, string? course = null, string format = "F4")
    {
        Numbers[name] = value;
        Out.WriteLine($"  {name,-50} {value.ToString(format, CultureInfo.InvariantCulture),12}{(course is null ? "" : $"   (course: {course})")}");
    }

    /// <summary>A line of explanation (data sizes, what differs from the course).</summary>
    public void Note(string text) => Out.WriteLine($"  {text}");

    /// <summary>The path for a new figure, recorded in <see cref="Figures"/>.</summary>
    public string Figure(string fileName)
    {
        string path = Path.Combine(OutputDir, fileName);
        Figures.Add(path);
        return path;
    }
}

/// <summary>Runs experiments by name and times them.</summary>
internal static class ExperimentRunner
{
    public static IReadOnlyList<Experiment> All { get; } =
    [
        new LogicGatesExperiment(), new GradientDescentExperiment(), new ComputationalGraphExperiment(), new ConvArithmeticExperiment(),
        new LrSchedulesExperiment(), new OptimizersXorExperiment(), new SpiralExperiment(), new RegularizationExperiment(),
        new NumericalGradientExperiment(), new EdgesExperiment(), new WeightInitExperiment(), new BatchNormExperiment(),
        new OverfittingExperiment(), new OptimizersMnistExperiment(),
    ];

    /// <summary>Runs one experiment into <paramref name="outputDir"/>, printing its header, numbers, figures and time.</summary>
    public static ExperimentContext Run(Experiment experiment, string outputDir, bool smoke, TextWriter output)
    {
        Directory.CreateDirectory(outputDir);
        var context = new ExperimentContext(outputDir, smoke, output);
        output.WriteLine($"{experiment.Name}: {experiment.Description}");
        var clock = Stopwatch.StartNew();
        experiment.Run(context);
        foreach (string figure in context.Figures) output.WriteLine($"  wrote {figure}");
        output.WriteLine($"  ({clock.Elapsed.TotalSeconds:F1} s)");
        return context;
    }
}
