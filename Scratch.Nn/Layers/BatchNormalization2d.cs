using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Batch normalization per channel: <c>out[n, c, h, w] = γ_c·(x[n, c, h, w] − μ_c)/√(σ²_c + ε) + β_c</c>, μ_c and σ²_c over (N, H, W).</summary>
/// <remarks>
/// x: (N, C, H, W); gamma, beta, running mean and variance: (C); out: x's shape.
/// This is PyTorch's <c>BatchNorm2d</c> (and the usual CNN choice): a channel is one feature, and its statistics
/// pool the M = N·H·W values of that channel. The book's <see cref="BatchNormalization"/> instead treats each of
/// the C·H·W positions as its own feature with statistics over N only. Everything else is that layer's, with N
/// replaced by M: the same <see cref="BatchNormConvention"/> options (by default the book's ε = 1e-6 and running
/// update, statistics starting at zero) and the same backward formulas. The kernels walk each (n, c) plane of H·W
/// contiguous values, so no transposed copy of x is made.
/// </remarks>
public sealed class BatchNormalization2d : ILayer, IRunningStatistics, IStatelessInference
{
    /// <summary>The book's ε, added to the variance before the square root (as <see cref="BatchNormalization.Epsilon"/>).</summary>
    public const float Epsilon = BatchNormalization.Epsilon;

    private readonly BatchNormCore _core;

    /// <summary>A layer with per-channel scale <paramref name="gamma"/> and shift <paramref name="beta"/>, both (C).</summary>
    /// <param name="gamma">γ, (C); usually ones.</param>
    /// <param name="beta">β, (C); usually zeros.</param>
    /// <param name="momentum">The running-statistics factor; by default 0.9 (Book: the weight of the old value) or 0.1 (PyTorch: the weight of the batch).</param>
    /// <param name="runningMean">Initial running mean (C); zeros, created at the first Forward, when null.</param>
    /// <param name="runningVar">Initial running variance (C); zeros (Book) or ones (PyTorch), created at the first Forward, when null.</param>
    /// <param name="convention">The book's conventions or PyTorch's.</param>
    /// <param name="epsilon">ε; by default <see cref="Epsilon"/> (Book) or <see cref="BatchNormalization.PyTorchEpsilon"/>.</param>
    public BatchNormalization2d(NDArray gamma, NDArray beta, float? momentum = null, NDArray? runningMean = null, NDArray? runningVar = null,
        BatchNormConvention convention = BatchNormConvention.Book, float? epsilon = null)
    {
        ArgumentNullException.ThrowIfNull(gamma);
        ArgumentNullException.ThrowIfNull(beta);
        Guard.Rank("BatchNormalization2d", "gamma", gamma, 1, "(C)");
        Guard.SameShape("BatchNormalization2d", "beta", beta, "gamma", gamma.Shape);
        Gamma = new Parameter("gamma", gamma);
        Beta = new Parameter("beta", beta);
        _core = new BatchNormCore("BatchNormalization2d", convention, momentum, epsilon);
        RunningMean = runningMean;
        RunningVar = runningVar;
    }

    /// <summary>γ, (C), named "gamma".</summary>
    public Parameter Gamma { get; }

    /// <summary>β, (C), named "beta".</summary>
    public Parameter Beta { get; }

    /// <summary>The running-statistics factor: Book <c>running = momentum·running + (1 − momentum)·batch</c>, PyTorch <c>running = (1 − momentum)·running + momentum·batch</c>.</summary>
    public float Momentum { get => _core.Momentum; set => _core.Momentum = value; }

    /// <summary>ε of this layer, added to the variance before the square root.</summary>
    public float Eps => _core.Epsilon;

    /// <summary>The book's conventions or PyTorch's (ε, running update, starting variance).</summary>
    public BatchNormConvention Convention => _core.Convention;

    /// <summary>Running mean per channel (C); null until the first Forward (or set from a checkpoint).</summary>
    public NDArray? RunningMean { get; set; }

    /// <summary>Running (population) variance per channel (C); null until the first Forward (or set from a checkpoint).</summary>
    public NDArray? RunningVar { get; set; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [Gamma, Beta];

    /// <summary>
    /// Training: <c>μ_c = mean over (N, H, W)</c>, <c>xc = x − μ_c</c>, <c>σ²_c = mean(xc²)</c>, <c>std_c = √(σ²_c + ε)</c>, <c>xn = xc/std_c</c>;
    /// test: the running statistics instead. Then <c>out = γ_c·xn + β_c</c>.
    /// </summary>
    /// <remarks>x: (N, C, H, W). Result: x's shape, owned by the layer.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        int channels = CheckInput(x);
        RunningMean ??= _core.InitialRunningMean(channels);
        RunningVar ??= _core.InitialRunningVar(channels);
        Guard.SameShape("BatchNormalization2d.Forward", "RunningMean", RunningMean, "gamma", [channels]);
        Guard.SameShape("BatchNormalization2d.Forward", "RunningVar", RunningVar, "gamma", [channels]);
        return _core.Forward(x, x.Dim(0), channels, x.Dim(2) * x.Dim(3), training, Gamma, Beta, RunningMean, RunningVar);
    }

    /// <summary>
    /// Per channel, sums over (N, H, W) with M = N·H·W: <c>dβ = Σ dout</c>, <c>dγ = Σ xn·dout</c>,
    /// <c>dx = (γ/std)·(dout − dβ/M − xn·dγ/M)</c> (the book's chain through dxn, dstd, dvar and dμ, collapsed).
    /// </summary>
    /// <remarks>dout: (N, C, H, W), never modified. Result: x's shape, owned by the layer. After a test-mode Forward, <c>dx = γ·dout/std</c>.</remarks>
    public NDArray Backward(NDArray dout) => _core.Backward(dout, Gamma, Beta);

    /// <inheritdoc/>
    public NDArray Infer(NDArray x)
    {
        int channels = CheckInput(x);
        return _core.Infer(x, x.Dim(0), channels, x.Dim(2) * x.Dim(3), Gamma, Beta, RunningMean, RunningVar);
    }

    private int CheckInput(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int channels = Gamma.Value.Size;
        if (x.Rank != 4 || x.Dim(1) != channels)
            throw new ArgumentException($"BatchNormalization2d.Forward: expected x (N, C={channels}, H, W), got {Shapes.Format(x.Shape)}.", nameof(x));
        return channels;
    }
}
