using Scratch.Optim;
using Scratch.Tensors;
using Scratch.Tensors.Kernels;

namespace Scratch.Nn;

/// <summary>
/// What both batch-norm layers share, over x seen as (N, C, P): channel c's statistics pool N·P values. The book's
/// per-feature layer is P = 1, the per-channel one P = H·W. Holds the training buffers and the conventions.
/// </summary>
internal sealed class BatchNormCore(string layer, BatchNormConvention convention, float? momentum, float? epsilon)
{
    // The memory of a training step, each buffer reused while the batch shape repeats:
    private NDArray? _xn;               // (x − μ)/std, x's shape, kept for Backward
    private NDArray? _out;              // γ·xn + β, x's shape, Forward's result; valid until the next Forward
    private NDArray? _dx;               // x's shape, Backward's result; valid until the next Backward
    private float[] _mean = [], _var = [], _std = [];   // (C): batch (or running) statistics and √(σ² + ε)
    private int _n, _c, _p;
    private bool? _training;            // the last Forward's mode; null before any Forward

    public BatchNormConvention Convention { get; } = convention;

    public float Momentum { get; set; } = momentum ?? (convention == BatchNormConvention.Book ? 0.9f : 0.1f);

    public float Epsilon { get; } = epsilon is float e
        ? (e > 0 && float.IsFinite(e) ? e : throw new ArgumentOutOfRangeException(nameof(epsilon), e, $"{layer}: epsilon must be positive and finite."))
        : convention == BatchNormConvention.Book ? BatchNormalization.Epsilon : BatchNormalization.PyTorchEpsilon;

    /// <summary>The running statistics a layer starts from: mean 0, variance 0 (Book) or 1 (PyTorch).</summary>
    public NDArray InitialRunningMean(int c) => NDArray.Zeros(c);

    public NDArray InitialRunningVar(int c) => Convention == BatchNormConvention.Book ? NDArray.Zeros(c) : NDArray.Ones(c);

    /// <summary>Training: batch statistics, running update, normalize. Test: normalize with the running statistics.</summary>
    public NDArray Forward(NDArray x, int n, int c, int p, bool training, Parameter gamma, Parameter beta, NDArray runningMean, NDArray runningVar)
    {
        x = x.Contiguous();
        (_n, _c, _p, _training) = (n, c, p, training);
        NDArray xn = Buffers.Like(ref _xn, x), output = Buffers.Like(ref _out, x);
        if (_mean.Length != c) (_mean, _var, _std) = (new float[c], new float[c], new float[c]);
        if (training)
        {
            BatchNorm.Statistics(Buffers.Span(x), _mean, _var, Buffers.Span(xn), n, c, p);          // μ, σ² of the batch
            UpdateRunning(Buffers.Span(runningMean.Contiguous()), _mean, 1f);
            UpdateRunning(Buffers.Span(runningVar), _var, RunningVarianceScale(n * p));
            StandardDeviation(_var, _std);
        }
        else
        {
            Buffers.Span(runningMean).CopyTo(_mean);
            StandardDeviation(Buffers.Span(runningVar), _std);
        }
        BatchNorm.Normalize(Buffers.Span(x), _mean, _std, Buffers.Span(gamma.Value), Buffers.Span(beta.Value), Buffers.Span(xn), Buffers.Span(output), n, c, p);
        return output;
    }

    /// <summary>dγ, dβ into the parameters' Grad; dx for the last Forward's mode.</summary>
    public NDArray Backward(NDArray dout, Parameter gamma, Parameter beta)
    {
        bool training = _training ?? throw new InvalidOperationException($"{layer}.Backward called before {layer}.Forward.");
        ArgumentNullException.ThrowIfNull(dout);
        NDArray xn = _xn!;
        if (!Buffers.SameShape(dout, xn))
            throw new ArgumentException($"{layer}.Backward: dout {Shapes.Format(dout.Shape)} does not match out {Shapes.Format(xn.Shape)}.", nameof(dout));
        dout = dout.Contiguous();
        NDArray dx = Buffers.Like(ref _dx, xn);
        BatchNorm.Backward(Buffers.Span(dout), Buffers.Span(xn), Buffers.Span(gamma.Value), _std,
            Buffers.Span(gamma.Grad), Buffers.Span(beta.Grad), Buffers.Span(dx), training, _n, _c, _p);
        return dx;
    }

    /// <summary>The test-mode output in new arrays, touching no buffer of this object.</summary>
    public NDArray Infer(NDArray x, int n, int c, int p, Parameter gamma, Parameter beta, NDArray? runningMean, NDArray? runningVar)
    {
        x = x.Contiguous();
        NDArray mean = runningMean ?? InitialRunningMean(c), variance = runningVar ?? InitialRunningVar(c);
        if (mean.Size != c || variance.Size != c)
            throw new InvalidOperationException($"{layer}: RunningMean {Shapes.Format(mean.Shape)} and RunningVar {Shapes.Format(variance.Shape)} must both have {c} elements.");
        mean = mean.Contiguous();
        variance = variance.Contiguous();
        var std = new float[c];
        StandardDeviation(Buffers.Span(variance), std);
        var xn = NDArray.ZerosLike(x);
        var output = NDArray.ZerosLike(x);
        BatchNorm.Normalize(Buffers.Span(x), Buffers.Span(mean), std, Buffers.Span(gamma.Value), Buffers.Span(beta.Value), Buffers.Span(xn), Buffers.Span(output), n, c, p);
        return output;
    }

    /// <summary>Book: <c>running = m·running + (1 − m)·batch</c>; PyTorch: <c>running = (1 − m)·running + m·scale·batch</c>.</summary>
    private void UpdateRunning(Span<float> running, ReadOnlySpan<float> batch, float scale)
    {
        float keep = Convention == BatchNormConvention.Book ? Momentum : 1f - Momentum;
        System.Numerics.Tensors.TensorPrimitives.Multiply(running, keep, running);
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(batch, (1f - keep) * scale, running, running);
    }

    /// <summary>
    /// What the batch variance (biased, divided by the <paramref name="count"/> values of a feature) is multiplied by before
    /// it enters the running variance: 1 in the book; count/(count − 1) in PyTorch, whose running variance is the unbiased
    /// estimate (1 for a single value, where that estimate is undefined).
    /// </summary>
    private float RunningVarianceScale(int count) =>
        Convention == BatchNormConvention.PyTorch && count > 1 ? (float)count / (count - 1) : 1f;

    /// <summary><c>std = √(σ² + ε)</c>.</summary>
    private void StandardDeviation(ReadOnlySpan<float> variance, Span<float> std)
    {
        System.Numerics.Tensors.TensorPrimitives.Add(variance, Epsilon, std);
        System.Numerics.Tensors.TensorPrimitives.Sqrt(std, std);
    }
}
