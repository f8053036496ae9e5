using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using Scratch.Optim;
using Scratch.Optim.Schedules;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>What one epoch of <see cref="Trainer"/> achieved.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean mini-batch loss over the epoch's steps.</param>
/// <param name="TrainAccuracy">Accuracy on the (first <c>evaluateSampleNumPerEpoch</c>) training samples.</param>
/// <param name="TestAccuracy">Accuracy on the (first <c>evaluateSampleNumPerEpoch</c>) test samples.</param>
/// <param name="LearningRate">The learning rate used during the epoch.</param>
/// <param name="Seconds">Wall time of the epoch's training steps (evaluation excluded).</param>
public sealed record EpochResult(int Epoch, float TrainLoss, float TrainAccuracy, float TestAccuracy, float LearningRate, double Seconds);

/// <summary>What one training step of <see cref="Trainer"/> did (a value type: raising it allocates nothing).</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Step">1-based step within the epoch.</param>
/// <param name="StepsPerEpoch">Steps in every epoch.</param>
/// <param name="BatchSize">Samples in this step's mini-batch (the last one of an epoch may be smaller).</param>
/// <param name="Loss">The mini-batch loss of this step's forward pass.</param>
public readonly record struct StepResult(int Epoch, int Step, int StepsPerEpoch, int BatchSize, float Loss);

/// <summary>The book's <c>Trainer</c>: mini-batch gradient descent for a number of epochs, recording loss and accuracy.</summary>
/// <remarks>
/// Each step draws a mini-batch, backpropagates (<see cref="INetwork.Gradient"/>) and lets the optimizer update the
/// parameters; the loss recorded per step is the one of that forward pass (the book evaluates it again after the update).
/// Mini-batches follow <see cref="Semantics"/>: <see cref="Semantics.Book"/> samples <c>batchSize</c> indices with
/// replacement every step (<c>np.random.choice(train_size, batch_size)</c>) for <c>⌈trainSize / batchSize⌉</c> steps an
/// epoch; <see cref="Semantics.Modern"/> walks a fresh permutation each epoch, every sample once (the last batch may be smaller).
/// Accuracy is measured at the end of every epoch. A schedule, when given, sets the learning rate at the start of each epoch.
/// Every step checks that the loss and every gradient are finite (one vectorized pass over the gradients, no allocation)
/// before the optimizer runs; on a NaN or ±∞ it throws <see cref="NonFiniteException"/> naming the epoch, the step and the
/// first parameter whose gradient is not finite, with the parameters left as the last good step made them.
/// </remarks>
public sealed class Trainer
{
    private readonly INetwork _network;
    private readonly NDArray _xTrain, _tTrain, _xTest, _tTest;
    private readonly RandomState _random;
    private readonly List<float> _trainLoss = [], _trainAcc = [], _testAcc = [];
    private readonly (Parameter Parameter, string Key, string Layer)[] _watched;   // every parameter, in forward order
    private int _epoch = 1, _step;                                                  // where TrainStep is, for error messages

    /// <summary>Prepares training of <paramref name="network"/> on (<paramref name="xTrain"/>, <paramref name="tTrain"/>), evaluated on both sets.</summary>
    public Trainer(INetwork network, NDArray xTrain, NDArray tTrain, NDArray xTest, NDArray tTest,
        int epochs = 20, int miniBatchSize = 100, IOptimizer? optimizer = null, ILearningRateSchedule? schedule = null,
        int? evaluateSampleNumPerEpoch = null, Semantics semantics = Semantics.Modern, uint seed = 0, bool checkNonFiniteInput = false)
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
        CheckPair(nameof(xTrain), xTrain, tTrain);
        CheckPair(nameof(xTest), xTest, tTest);
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Trainer: epochs must be ≥ 0.");
        if (miniBatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(miniBatchSize), miniBatchSize, "Trainer: miniBatchSize must be positive.");
        if (evaluateSampleNumPerEpoch <= 0) throw new ArgumentOutOfRangeException(nameof(evaluateSampleNumPerEpoch), evaluateSampleNumPerEpoch, "Trainer: evaluateSampleNumPerEpoch must be positive.");
        (_xTrain, _tTrain, _xTest, _tTest) = (xTrain, tTrain, xTest, tTest);
        Epochs = epochs;
        BatchSize = Math.Min(miniBatchSize, xTrain.Dim(0));
        Optimizer = optimizer ?? new Sgd(0.01f);
        Schedule = schedule;
        EvaluateSampleNumPerEpoch = evaluateSampleNumPerEpoch;
        Semantics = semantics;
        CheckNonFiniteInput = checkNonFiniteInput;
        _random = new RandomState(seed);
        _watched = WatchedParameters(network);
    }

    /// <summary>Number of passes over the training set.</summary>
    public int Epochs { get; }

    /// <summary>Samples per mini-batch.</summary>
    public int BatchSize { get; }

    /// <summary>The update rule.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>The learning-rate schedule, or null for a constant rate.</summary>
    public ILearningRateSchedule? Schedule { get; }

    /// <summary>How many samples of each set the per-epoch accuracy uses (null: all).</summary>
    public int? EvaluateSampleNumPerEpoch { get; }

    /// <summary>Book or modern mini-batch sampling.</summary>
    public Semantics Semantics { get; }

    /// <summary>Whether every input batch is checked for NaN and ±∞ before its forward pass (one extra pass over the batch).</summary>
    public bool CheckNonFiniteInput { get; }

    /// <summary>The loss of every training step.</summary>
    public IReadOnlyList<float> TrainLossList => _trainLoss;

    /// <summary>Training accuracy after every epoch.</summary>
    public IReadOnlyList<float> TrainAccList => _trainAcc;

    /// <summary>Test accuracy after every epoch.</summary>
    public IReadOnlyList<float> TestAccList => _testAcc;

    /// <summary>Called after every epoch (for progress display).</summary>
    public event Action<EpochResult>? EpochCompleted;

    /// <summary>Called after every training step, once the optimizer has updated the parameters (for live progress).</summary>
    public event Action<StepResult>? StepCompleted;

    /// <summary>Runs all epochs and returns the accuracy on the whole test set.</summary>
    /// <exception cref="NonFiniteException">A loss or gradient (or, with <see cref="CheckNonFiniteInput"/>, an input) is NaN or ±∞.</exception>
    public float Train() => Train(startEpoch: 0);

    /// <summary>Resumes after <paramref name="startEpoch"/> completed epochs and returns the accuracy on the whole test set.</summary>
    /// <remarks>
    /// The batch order's random stream is replayed through the skipped epochs (the same shuffles or draws, no training), so
    /// with the parameters and the optimizer state restored as they were after epoch <paramref name="startEpoch"/>, the run
    /// ends bit-identical to an uninterrupted one. Layers with their own random streams are not replayed: restore each
    /// <see cref="Dropout.Random"/> with <see cref="RandomState.SetState"/> to the state it had after that epoch.
    /// </remarks>
    /// <exception cref="NonFiniteException">A loss or gradient (or, with <see cref="CheckNonFiniteInput"/>, an input) is NaN or ±∞.</exception>
    public float Train(int startEpoch)
    {
        if (startEpoch < 0 || startEpoch > Epochs)
            throw new ArgumentOutOfRangeException(nameof(startEpoch), startEpoch, $"Trainer.Train: startEpoch must be in [0, {Epochs}].");
        int trainSize = _xTrain.Dim(0);
        int stepsPerEpoch = (trainSize + BatchSize - 1) / BatchSize;
        var order = new int[trainSize];                                          // Modern: this epoch's permutation
        var drawn = new int[BatchSize];                                          // Book: this step's draws
        _trainLoss.EnsureCapacity(_trainLoss.Count + (Epochs - startEpoch) * stepsPerEpoch);   // steps allocate nothing
        var xBatch = NDArray.Zeros([BatchSize, .. _xTrain.Shape[1..]]);
        var tBatch = NDArray.Zeros([BatchSize, .. _tTrain.Shape[1..]]);
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            if (Schedule is not null) Optimizer.LearningRate = Schedule.LearningRate(epoch);
            if (Semantics == Semantics.Modern)
            {
                for (int i = 0; i < trainSize; i++) order[i] = i;
                _random.Shuffle(order.AsSpan());
            }
            if (epoch < startEpoch)   // resuming: consume the epoch's random draws without training
            {
                if (Semantics == Semantics.Book)
                    for (int step = 0; step < stepsPerEpoch; step++) DrawWithReplacement(drawn, trainSize);
                continue;
            }
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            for (int step = 0; step < stepsPerEpoch; step++)
            {
                ReadOnlySpan<int> batch = Semantics == Semantics.Book
                    ? DrawWithReplacement(drawn, trainSize)
                    : order.AsSpan(step * BatchSize, Math.Min(BatchSize, trainSize - step * BatchSize));
                bool full = batch.Length == BatchSize;   // full batches reuse one pair of buffers
                (_epoch, _step) = (epoch + 1, step + 1);
                NDArray x = _xTrain.Take(batch, full ? xBatch : null);
                if (CheckNonFiniteInput) CheckInput(x, batch);
                float loss = TrainStep(x, _tTrain.Take(batch, full ? tBatch : null));
                lossSum += loss;
                StepCompleted?.Invoke(new StepResult(epoch + 1, step + 1, stepsPerEpoch, batch.Length, loss));
            }
            double seconds = clock.Elapsed.TotalSeconds;
            var result = new EpochResult(epoch + 1, (float)(lossSum / stepsPerEpoch), Evaluate(_xTrain, _tTrain), Evaluate(_xTest, _tTest),
                Optimizer.LearningRate, seconds);
            _trainAcc.Add(result.TrainAccuracy);
            _testAcc.Add(result.TestAccuracy);
            EpochCompleted?.Invoke(result);
        }
        return _network.Accuracy(_xTest, _tTest);
    }

    /// <summary>The book's <c>np.random.choice(train_size, batch_size)</c> into <paramref name="rows"/>: one <c>randint(0, n)</c> per row, the same draws as <see cref="RandomState.Choice"/>.</summary>
    private int[] DrawWithReplacement(int[] rows, int n)
    {
        for (int i = 0; i < rows.Length; i++)
            rows[i] = _random.RandInt(0, n);
        return rows;
    }

    /// <summary>One step: backpropagate on the batch, check the loss and gradients are finite, and update the parameters; returns (and records) the batch loss.</summary>
    /// <exception cref="NonFiniteException">The loss or a gradient is NaN or ±∞; the parameters are left unchanged.</exception>
    public float TrainStep(NDArray xBatch, NDArray tBatch)
    {
        var (loss, _) = _network.Gradient(xBatch, tBatch);
        CheckFinite(loss);
        Optimizer.Update(_network.Parameters);
        _trainLoss.Add(loss);
        return loss;
    }

    /// <summary>Throws <see cref="NonFiniteException"/> unless the loss and every gradient are finite.</summary>
    private void CheckFinite(float loss)
    {
        int bad = Array.FindIndex(_watched, w => !AllFinite(w.Parameter.Grad));   // allocation-free: the lambda is static
        if (float.IsFinite(loss) && bad < 0) return;
        string lossText = float.IsFinite(loss) ? $"the loss is {Format(loss)} but" : $"the loss is {Format(loss)};";
        string gradText = bad < 0
            ? "every gradient is finite"
            : $"the first non-finite gradient (in layer order) is {_watched[bad].Key} of layer {_watched[bad].Layer}";
        throw new NonFiniteException(
            $"Training stopped at epoch {_epoch}, step {_step}: {lossText} {gradText}. The parameters keep the values of the previous step; " +
            "lower the learning rate or check the data for NaN/∞ (checkNonFiniteInput).",
            _epoch, _step, bad < 0 ? null : _watched[bad].Key, bad < 0 ? null : _watched[bad].Layer);
    }

    /// <summary>True when no element is NaN or ±∞: one vectorized sum (NaN and ∞ propagate), then an exact scan only if the sum is not finite.</summary>
    private static bool AllFinite(NDArray a)
    {
        if (!a.IsContiguous) return a.ToArray().All(float.IsFinite);
        ReadOnlySpan<float> span = a.AsSpan();
        if (float.IsFinite(TensorPrimitives.Sum(span))) return true;
        foreach (float v in span)   // the sum may overflow on large finite values
            if (!float.IsFinite(v)) return false;
        return true;
    }

    /// <summary>Throws <see cref="NonFiniteException"/> naming the training sample that holds a NaN or ±∞.</summary>
    private void CheckInput(NDArray x, ReadOnlySpan<int> batch)
    {
        if (AllFinite(x)) return;
        float[] values = x.ToArray();
        int perSample = values.Length / batch.Length;
        int first = Array.FindIndex(values, v => !float.IsFinite(v));
        throw new NonFiniteException(
            $"Training stopped at epoch {_epoch}, step {_step}: training sample {batch[first / perSample]} holds {Format(values[first])} " +
            $"(element {first % perSample} of {perSample}).", _epoch, _step, null, null);
    }

    private static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Every parameter with its book key and its layer's 1-based position and type, in forward order.</summary>
    private static (Parameter, string, string)[] WatchedParameters(INetwork network)
    {
        var keys = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
        foreach (var (key, parameter) in network.Params) keys[parameter] = key;
        if (network is not Sequential sequential)
            return network.Parameters.Select(p => (p, keys.GetValueOrDefault(p, p.Name), "?")).ToArray();
        return sequential.Layers
            .SelectMany((layer, i) => layer.Parameters.Select(p => (p, keys.GetValueOrDefault(p, p.Name), $"{i + 1} ({layer.GetType().Name})")))
            .ToArray();
    }

    private float Evaluate(NDArray x, NDArray t)
    {
        int n = EvaluateSampleNumPerEpoch is int limit ? Math.Min(limit, x.Dim(0)) : x.Dim(0);
        return _network.Accuracy(x.Slice(0, 0, n), t.Slice(0, 0, n));
    }

    private static void CheckPair(string name, NDArray x, NDArray t)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        ArgumentNullException.ThrowIfNull(t);
        if (x.Rank == 0 || t.Rank == 0 || x.Dim(0) != t.Dim(0) || x.Dim(0) == 0)
            throw new ArgumentException($"Trainer: {name} {Shapes.Format(x.Shape)} and its targets {Shapes.Format(t.Shape)} must hold the same, non-zero number of samples.", name);
    }
}
