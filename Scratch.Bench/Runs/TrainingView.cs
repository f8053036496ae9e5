using System.Diagnostics;
using Scratch.Nn;
using Spectre.Console;

namespace Scratch.Bench.Runs;

/// <summary>
/// What <c>train</c> shows while it runs: on a terminal a live bar over the epoch's mini-batches (running loss, samples/s,
/// time left) above the finished epochs' lines; through a pipe or in CI the epoch lines only, without escape codes.
/// </summary>
internal static class TrainingView
{
    /// <summary>True when standard output is an interactive terminal that can redraw a progress bar.</summary>
    public static bool Live => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="train"/> with progress from <paramref name="trainer"/>'s events; <paramref name="epochLine"/> formats each finished epoch.</summary>
    public static T Run<T>(Trainer trainer, Func<EpochResult, string> epochLine, Func<T> train)
    {
        if (!Live)
        {
            trainer.EpochCompleted += e => Console.WriteLine(epochLine(e));
            return train();
        }
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask? task = null;
                var clock = new Stopwatch();
                double lossSum = 0;
                int samples = 0, steps = 0;
                long lastRedraw = 0;
                trainer.StepCompleted += s =>
                {
                    if (s.Step == 1)
                    {
                        task?.StopTask();
                        task = context.AddTask($"epoch {s.Epoch}", maxValue: s.StepsPerEpoch);
                        (lossSum, samples, steps, lastRedraw) = (0, 0, 0, 0);
                        clock.Restart();
                    }
                    lossSum += s.Loss;
                    samples += s.BatchSize;
                    steps++;
                    task!.Value = s.Step;
                    if (clock.ElapsedMilliseconds - lastRedraw >= 100 || s.Step == s.StepsPerEpoch)   // redraw text at most 10 times a second
                    {
                        lastRedraw = clock.ElapsedMilliseconds;
                        task.Description = $"epoch {s.Epoch}/{trainer.Epochs}  loss {lossSum / steps:F4}  {samples / Math.Max(clock.Elapsed.TotalSeconds, 1e-9):N0} samples/s";
                    }
                };
                trainer.EpochCompleted += e =>
                {
                    task?.StopTask();
                    AnsiConsole.WriteLine(epochLine(e));
                };
                result = train();
            });
        return result;
    }

    /// <summary>Writes a line in a way that does not disturb a live display.</summary>
    public static void WriteLine(string line)
    {
        if (Live) AnsiConsole.WriteLine(line);
        else Console.WriteLine(line);
    }
}
