using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scratch.Bench.Runs;

/// <summary>One epoch's line of <c>metrics.json</c>.</summary>
internal sealed record EpochMetrics(int Epoch, float Loss, float TrainAccuracy, float TestAccuracy, float LearningRate, double Seconds, double SamplesPerSecond);

/// <summary>The contents of a run directory's <c>metrics.json</c>: the options, the network, each epoch, each step's loss and the final test accuracy.</summary>
internal sealed class RunMetrics
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Every option of the run, by its command-line name without dashes.</summary>
    public required SortedDictionary<string, string> Options { get; init; }

    /// <summary>The options as values, for <c>train --resume</c>.</summary>
    public TrainOptions? Settings { get; init; }

    /// <summary>How to build the network again (for <c>evaluate</c> and <c>predict</c>).</summary>
    public required NetworkSpec Spec { get; init; }

    public required int Parameters { get; init; }
    public required int TrainSamples { get; init; }
    public required int TestSamples { get; init; }

    /// <summary>The batch size actually used (the requested one, clamped to the training-set size).</summary>
    public required int BatchSize { get; init; }

    public List<EpochMetrics> Epochs { get; init; } = [];

    /// <summary>The loss of every training step, in order.</summary>
    public List<float> StepLoss { get; init; } = [];

    /// <summary>Accuracy on the whole test set after the last epoch (null while the run is going).</summary>
    public float? FinalTestAccuracy { get; set; }

    /// <summary>File name of the model checkpoint inside the run directory.</summary>
    public required string Checkpoint { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RunMetrics FromJson(string json, string file) =>
        JsonSerializer.Deserialize<RunMetrics>(json, Json) ?? throw new InvalidDataException($"{file}: empty metrics.");

    /// <summary>Writes <c>metrics.json</c> into <paramref name="directory"/> through a temporary file.</summary>
    public void Save(string directory) => RunFiles.WriteAllTextAtomic(Path.Combine(directory, "metrics.json"), ToJson());

    /// <summary>Reads <c>metrics.json</c> of a run directory.</summary>
    /// <exception cref="InvalidDataException">The file is not valid metrics JSON.</exception>
    public static RunMetrics Load(string directory)
    {
        string path = Path.Combine(directory, "metrics.json");
        try
        {
            return FromJson(File.ReadAllText(path), path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a metrics file ({e.Message})");
        }
    }
}
