using System.CommandLine;
using System.Globalization;
using Scratch.Nn;
using Scratch.Optim;
using Scratch.Optim.Schedules;

namespace Scratch.Bench.Runs;

/// <summary>The options of <c>train</c>, as values: checked by <see cref="Validate"/>, recorded in <c>metrics.json</c>.</summary>
internal sealed record TrainOptions
{
    public string Network { get; init; } = "simpleconv";
    public string Optimizer { get; init; } = "adam";
    public Convention Convention { get; init; } = Convention.Book;
    public float Lr { get; init; } = 1e-3f;
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 100;
    public uint Seed { get; init; }
    public string Init { get; init; } = "he";
    public Semantics Semantics { get; init; } = Semantics.Modern;
    public string? DataDir { get; init; }
    public string? Output { get; init; }
    public string? Save { get; init; }
    public string Schedule { get; init; } = "none";
    public int StepSize { get; init; } = 3;
    public float Gamma { get; init; } = 0.5f;
    public float EtaMin { get; init; }
    public int Warmup { get; init; }
    public float WeightDecay { get; init; }
    public float? Dropout { get; init; }
    public bool BatchNorm { get; init; }
    public int[]? Hidden { get; init; }
    public int? Threads { get; init; }
    public int? EvalSamples { get; init; }
    public bool CheckInput { get; init; }
    public string? Resume { get; init; }

    /// <summary>Whether <c>--epochs</c> was given on the command line (a resumed run keeps its own count otherwise).</summary>
    public bool EpochsGiven { get; init; }

    private static readonly string[] Schedules = ["none", "step", "exp", "cosine"];

    /// <summary>Throws <see cref="UsageException"/> naming the first bad option.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new UsageException(message);
        }
        Require(NetworkSpec.Names.Contains(Network), $"--network: unknown network '{Network}'; expected {string.Join(", ", NetworkSpec.Names)}.");
        Require(Optimizers.Names.Contains(Optimizer), $"--optimizer: unknown optimizer '{Optimizer}'; expected {string.Join(", ", Optimizers.Names)}.");
        Require(float.IsFinite(Lr) && Lr > 0, $"--lr must be a number > 0, got {Format(Lr)}.");
        Require(Epochs >= 1, $"--epochs must be ≥ 1, got {Epochs}.");
        Require(BatchSize >= 1, $"--batch-size must be ≥ 1, got {BatchSize}.");
        Require(Schedules.Contains(Schedule), $"--schedule: unknown schedule '{Schedule}'; expected {string.Join(", ", Schedules)}.");
        Require(StepSize >= 1, $"--step-size must be ≥ 1, got {StepSize}.");
        Require(float.IsFinite(Gamma) && Gamma > 0, $"--gamma must be a number > 0, got {Format(Gamma)}.");
        Require(float.IsFinite(EtaMin) && EtaMin >= 0, $"--eta-min must be a number ≥ 0, got {Format(EtaMin)}.");
        Require(Warmup >= 0 && Warmup < Epochs, $"--warmup must be in [0, --epochs), got {Warmup}.");
        Require(float.IsFinite(WeightDecay) && WeightDecay >= 0, $"--weight-decay must be a number ≥ 0, got {Format(WeightDecay)}.");
        Require(Dropout is null || Dropout is >= 0f and < 1f, $"--dropout must be in [0, 1), got {Format(Dropout ?? 0)}.");
        Require(Hidden is null || (Hidden.Length > 0 && Hidden.All(h => h > 0)), "--hidden must be positive sizes separated by commas, e.g. 100,100.");
        Require(Threads is null || (Threads >= 1 && Threads <= Environment.ProcessorCount), $"--threads must be in [1, {Environment.ProcessorCount}], got {Threads}.");
        Require(EvalSamples is null || EvalSamples >= 1, $"--eval-samples must be ≥ 1, got {EvalSamples}.");
        Require(Save is null || Save.EndsWith(".npz", StringComparison.OrdinalIgnoreCase) || Save.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase),
            $"--save: expected a .safetensors or .npz file name, got '{Save}'.");
        Require(DataDir is null || Directory.Exists(DataDir), $"--data-dir: directory '{DataDir}' does not exist.");
        Require(WeightInitValid(), $"--init: expected he, xavier or a number σ > 0, got '{Init}'.");
        try
        {
            new NetworkSpec(Network, NetworkSpec.Flat(Network) ? [784] : [1, 28, 28], 10, Hidden, Dropout, BatchNorm, WeightDecay, Init, Semantics, Seed).Build();
        }
        catch (ArgumentException e) when (e.Message.StartsWith("--", StringComparison.Ordinal))
        {
            throw new UsageException(e.Message);
        }
    }

    private bool WeightInitValid()
    {
        try
        {
            WeightInit.Parse(Init);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The optimizer by name, with the learning rate and convention (momentum: 0.9, Adam: β 0.9/0.999).</summary>
    public IOptimizer CreateOptimizer() => Optimizer switch
    {
        "momentum" => new Momentum(Lr, 0.9f, Convention),
        "adam" => new Adam(Lr, convention: Convention),
        _ => Optimizers.Create(Optimizer, Lr),
    };

    /// <summary>The learning-rate schedule (null: constant), wrapped in a linear warm-up when <see cref="Warmup"/> &gt; 0.</summary>
    public ILearningRateSchedule? CreateSchedule()
    {
        ILearningRateSchedule? schedule = Schedule switch
        {
            "step" => new StepLr(Lr, StepSize, Gamma),
            "exp" => new ExponentialLr(Lr, Gamma),
            "cosine" => new CosineAnnealingLr(Lr, Epochs, EtaMin),
            _ => null,
        };
        return Warmup == 0 ? schedule : new LinearWarmup(schedule ?? new ExponentialLr(Lr, 1f), Warmup);
    }

    /// <summary>Every option by its command-line name (without dashes), formatted invariantly; absent ones are left out.</summary>
    public SortedDictionary<string, string> ToDictionary()
    {
        var d = new SortedDictionary<string, string>
        {
            ["network"] = Network, ["optimizer"] = Optimizer, ["convention"] = Convention.ToString(), ["lr"] = Format(Lr),
            ["epochs"] = Epochs.ToString(CultureInfo.InvariantCulture), ["batch-size"] = BatchSize.ToString(CultureInfo.InvariantCulture),
            ["seed"] = Seed.ToString(CultureInfo.InvariantCulture), ["init"] = Init, ["semantics"] = Semantics.ToString(), ["schedule"] = Schedule,
            ["warmup"] = Warmup.ToString(CultureInfo.InvariantCulture), ["weight-decay"] = Format(WeightDecay),
            ["batch-norm"] = BatchNorm ? "true" : "false", ["check-input"] = CheckInput ? "true" : "false",
        };
        if (Schedule == "step") d["step-size"] = StepSize.ToString(CultureInfo.InvariantCulture);
        if (Schedule is "step" or "exp") d["gamma"] = Format(Gamma);
        if (Schedule == "cosine") d["eta-min"] = Format(EtaMin);
        if (DataDir is not null) d["data-dir"] = DataDir;
        if (Output is not null) d["output"] = Output;
        if (Save is not null) d["save"] = Save;
        if (Dropout is float dropout) d["dropout"] = Format(dropout);
        if (Hidden is not null) d["hidden"] = string.Join(",", Hidden);
        if (Threads is int threads) d["threads"] = threads.ToString(CultureInfo.InvariantCulture);
        if (EvalSamples is int evalSamples) d["eval-samples"] = evalSamples.ToString(CultureInfo.InvariantCulture);
        return d;
    }

    private static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The System.CommandLine options of <c>train</c> and how to read them into a <see cref="TrainOptions"/>.</summary>
    internal sealed class Cli
    {
        private readonly Option<string> _network = new("--network") { Description = $"{string.Join(", ", NetworkSpec.Names)} (mlp: MultiLayerNetExtend, 4×100 unless --hidden)", DefaultValueFactory = _ => "simpleconv" };
        private readonly Option<string> _optimizer = new("--optimizer") { Description = string.Join(", ", Optimizers.Names), DefaultValueFactory = _ => "adam" };
        private readonly Option<Convention> _convention = new("--convention") { Description = "Book or PyTorch form of momentum and Adam", DefaultValueFactory = _ => Convention.Book };
        private readonly Option<float> _lr = new("--lr") { Description = "learning rate", DefaultValueFactory = _ => 1e-3f };
        private readonly Option<int> _epochs = new("--epochs") { Description = "passes over the training set", DefaultValueFactory = _ => 10 };
        private readonly Option<int> _batchSize = new("--batch-size") { Description = "samples per mini-batch (at most the training-set size)", DefaultValueFactory = _ => 100 };
        private readonly Option<uint> _seed = new("--seed") { Description = "seed of the weights and the batch order", DefaultValueFactory = _ => 0u };
        private readonly Option<string> _init = new("--init") { Description = "he, xavier or a number σ (the book's weight_init_std)", DefaultValueFactory = _ => "he" };
        private readonly Option<Semantics> _semantics = new("--semantics") { Description = "Modern (inverted dropout, permutation per epoch) or Book", DefaultValueFactory = _ => Semantics.Modern };
        private readonly Option<string?> _dataDir = new("--data-dir") { Description = "a directory with the four MNIST/Fashion-MNIST IDX files (raw or .gz) instead of the embedded 10k digits" };
        private readonly Option<string?> _output = new("--output") { Description = "the run directory (default runs/<network>-<yyyyMMdd-HHmmss>)" };
        private readonly Option<string?> _save = new("--save") { Description = "also write the trained network to this checkpoint (.safetensors or .npz)" };
        private readonly Option<string> _schedule = new("--schedule") { Description = "none, step (lr·gamma every --step-size epochs), exp (lr·gamma^epoch) or cosine (to --eta-min at the last epoch)", DefaultValueFactory = _ => "none" };
        private readonly Option<int> _stepSize = new("--step-size") { Description = "epochs between decays of the step schedule", DefaultValueFactory = _ => 3 };
        private readonly Option<float> _gamma = new("--gamma") { Description = "decay factor of the step and exp schedules", DefaultValueFactory = _ => 0.5f };
        private readonly Option<float> _etaMin = new("--eta-min") { Description = "final learning rate of the cosine schedule", DefaultValueFactory = _ => 0f };
        private readonly Option<int> _warmup = new("--warmup") { Description = "epochs of linear warm-up from 0.1·lr", DefaultValueFactory = _ => 0 };
        private readonly Option<float> _weightDecay = new("--weight-decay") { Description = "λ of the L2 weight decay (½λΣW² added to the loss)", DefaultValueFactory = _ => 0f };
        private readonly Option<float?> _dropout = new("--dropout") { Description = "dropout ratio (mlp: none unless given; deepconv: 0.5)" };
        private readonly Option<bool> _batchNorm = new("--batch-norm") { Description = "insert batch normalization (mlp, simpleconv)" };
        private readonly Option<string?> _hidden = new("--hidden") { Description = "hidden sizes, comma-separated (mlp: 100,100,100,100; twolayer: 50; simpleconv: 100; deepconv: 50)" };
        private readonly Option<int?> _threads = new("--threads") { Description = "run on this many cores (default: all)" };
        private readonly Option<int?> _evalSamples = new("--eval-samples") { Description = "samples of each set scored after every epoch (the book's evaluate_sample_num_per_epoch; default all)" };
        private readonly Option<bool> _checkInput = new("--check-input") { Description = "check every input batch for NaN/∞ (names the sample)" };
        private readonly Option<string?> _resume = new("--resume") { Description = "continue a run directory (or its checkpoint) from its last completed epoch with its own options; --epochs may raise the count" };

        public IEnumerable<Option> All =>
        [
            _network, _optimizer, _convention, _lr, _epochs, _batchSize, _seed, _init, _semantics, _dataDir, _output, _save, _schedule,
            _stepSize, _gamma, _etaMin, _warmup, _weightDecay, _dropout, _batchNorm, _hidden, _threads, _evalSamples, _checkInput, _resume,
        ];

        public TrainOptions Read(ParseResult r) => new()
        {
            Network = r.GetValue(_network)!, Optimizer = r.GetValue(_optimizer)!.ToLowerInvariant(), Convention = r.GetValue(_convention),
            Lr = r.GetValue(_lr), Epochs = r.GetValue(_epochs), BatchSize = r.GetValue(_batchSize), Seed = r.GetValue(_seed),
            Init = r.GetValue(_init)!, Semantics = r.GetValue(_semantics), DataDir = r.GetValue(_dataDir), Output = r.GetValue(_output),
            Save = r.GetValue(_save), Schedule = r.GetValue(_schedule)!, StepSize = r.GetValue(_stepSize), Gamma = r.GetValue(_gamma),
            EtaMin = r.GetValue(_etaMin), Warmup = r.GetValue(_warmup), WeightDecay = r.GetValue(_weightDecay), Dropout = r.GetValue(_dropout),
            BatchNorm = r.GetValue(_batchNorm), Hidden = ParseHidden(r.GetValue(_hidden)), Threads = r.GetValue(_threads),
            EvalSamples = r.GetValue(_evalSamples), CheckInput = r.GetValue(_checkInput), Resume = r.GetValue(_resume),
            EpochsGiven = r.GetResult(_epochs) is { Implicit: false },
        };

        private static int[]? ParseHidden(string? text)
        {
            if (text is null) return null;
            try
            {
                return text.Split(',', StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            }
            catch (FormatException)
            {
                throw new UsageException($"--hidden: expected sizes separated by commas such as 100,100, got '{text}'.");
            }
            catch (OverflowException)
            {
                throw new UsageException($"--hidden: size out of range in '{text}'.");
            }
        }
    }
}
