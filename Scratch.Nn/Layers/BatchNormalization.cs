using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>The book's batch normalization, per feature: <c>out = γ·(x − μ)/√(σ² + ε) + β</c> with μ, σ² the batch mean and variance of each feature.</summary>
/// <remarks>
/// x: (N, D), or (N, C, H, W) seen as (N, C·H·W), so every pixel of every channel is a feature of its own and
/// gamma, beta have C·H·W elements (the book's layer; <see cref="BatchNormalization2d"/> is the per-channel
/// variant CNNs normally use). gamma, beta, running mean and variance: (D). out: x's shape.
/// Training normalizes with the batch statistics (population variance, divided by N, as the book) and updates the
/// running statistics; test time normalizes with the running statistics. The <see cref="BatchNormConvention"/> picks
/// ε, the update rule and the starting running variance: the book's (ε = 1e-6,
/// <c>running = momentum·running + (1 − momentum)·batch</c>, start at 0) or PyTorch's (ε = 1e-5,
/// <c>running = (1 − momentum)·running + momentum·batch</c> with momentum 0.1, variance starting at 1).
/// </remarks>
public sealed class BatchNormalization : ILayer, IRunningStatistics, IStatelessInference
{
    /// <summary>The book's ε, added to the variance before the square root: its <c>10e-7</c>.</summary>
    public const float Epsilon = 1e-6f;

    /// <summary>PyTorch's ε (<c>eps</c> of <c>BatchNorm1d</c>/<c>BatchNorm2d</c>): 1e-5.</summary>
    public const float PyTorchEpsilon = 1e-5f;

    private readonly BatchNormCore _core;

    /// <summary>A layer with scale <paramref name="gamma"/> and shift <paramref name="beta"/>, both (D).</summary>
    /// <param name="gamma">γ, (D); usually ones.</param>
    /// <param name="beta">β, (D); usually zeros.</param>
    /// <param name="momentum">The running-statistics factor; by default 0.9 (Book: the weight of the old value) or 0.1 (PyTorch: the weight of the batch).</param>
    /// <param name="runningMean">Initial running mean (D); zeros, created at the first Forward, when null.</param>
    /// <param name="runningVar">Initial running variance (D); zeros (Book) or ones (PyTorch), created at the first Forward, when null.</param>
    /// <param name="convention">The book's conventions or PyTorch's.</param>
    /// <param name="epsilon">ε; by default <see cref="Epsilon"/> (Book) or <see cref="PyTorchEpsilon"/>.</param>
    public BatchNormalization(NDArray gamma, NDArray beta, float? momentum = null, NDArray? runningMean = null, NDArray? runningVar = null,
        BatchNormConvention convention = BatchNormConvention.Book, float? epsilon = null)
    {
        ArgumentNullException.ThrowIfNull(gamma);
        ArgumentNullException.ThrowIfNull(beta);
        Guard.Rank("BatchNormalization", "gamma", gamma, 1, "(D)");
        Guard.SameShape("BatchNormalization", "beta", beta, "gamma", gamma.Shape);
        Gamma = new Parameter("gamma", gamma);
        Beta = new Parameter("beta", beta);
        _core = new BatchNormCore("BatchNormalization", convention, momentum, epsilon);
        RunningMean = runningMean;
        RunningVar = runningVar;
    }

    /// <summary>γ, (D), named "gamma".</summary>
    public Parameter Gamma { get; }

    /// <summary>β, (D), named "beta".</summary>
    public Parameter Beta { get; }

    /// <summary>The running-statistics factor: Book <c>running = momentum·running + (1 − momentum)·batch</c>, PyTorch <c>running = (1 − momentum)·running + momentum·batch</c>.</summary>
    public float Momentum { get => _core.Momentum; set => _core.Momentum = value; }

    /// <summary>ε of this layer, added to the variance before the square root.</summary>
    public float Eps => _core.Epsilon;

    /// <summary>The book's conventions or PyTorch's (ε, running update, starting variance).</summary>
    public BatchNormConvention Convention => _core.Convention;

    /// <summary>Running mean (D) used at test time; null until the first Forward (or set from a checkpoint).</summary>
    public NDArray? RunningMean { get; set; }

    /// <summary>Running (population) variance (D) used at test time; null until the first Forward (or set from a checkpoint).</summary>
    public NDArray? RunningVar { get; set; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [Gamma, Beta];

    /// <summary>
    /// Training: <c>μ = mean(x, 0)</c>, <c>xc = x − μ</c>, <c>σ² = mean(xc², 0)</c>, <c>std = √(σ² + ε)</c>, <c>xn = xc/std</c>,
    /// and the running statistics move towards μ, σ²; test: <c>xn = (x − running mean)/√(running var + ε)</c>. Then <c>out = γ·xn + β</c>.
    /// </summary>
    /// <remarks>x: (N, D) or (N, C, H, W) with C·H·W = D. Result: x's shape, owned by the layer.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        int d = CheckInput(x);
        RunningMean ??= _core.InitialRunningMean(d);
        RunningVar ??= _core.InitialRunningVar(d);
        Guard.SameShape("BatchNormalization.Forward", "RunningMean", RunningMean, "gamma", [d]);
        Guard.SameShape("BatchNormalization.Forward", "RunningVar", RunningVar, "gamma", [d]);
        return _core.Forward(x, x.Dim(0), d, 1, training, Gamma, Beta, RunningMean, RunningVar);
    }

    /// <summary>
    /// The book's backward, collapsed: with sums over the batch, <c>dβ = Σ dout</c>, <c>dγ = Σ xn·dout</c> and
    /// <c>dx = (γ/std)·(dout − dβ/N − xn·dγ/N)</c>, which is where the book's chain <c>dxn = γ·dout</c>, <c>dxc = dxn/std</c>,
    /// <c>dstd = −Σ dxn·xc/std²</c>, <c>dvar = 0.5·dstd/std</c>, <c>dxc += (2/N)·xc·dvar</c>, <c>dμ = Σ dxc</c>, <c>dx = dxc − dμ/N</c> ends.
    /// </summary>
    /// <remarks>
    /// dout: x's shape, never modified. Result: x's shape, owned by the layer. After a test-mode Forward the statistics
    /// were constants, so <c>dx = γ·dout/std</c> (dγ and dβ as above).
    /// </remarks>
    public NDArray Backward(NDArray dout) => _core.Backward(dout, Gamma, Beta);

    /// <inheritdoc/>
    public NDArray Infer(NDArray x)
    {
        int d = CheckInput(x);
        return _core.Infer(x, x.Dim(0), d, 1, Gamma, Beta, RunningMean, RunningVar);
    }

    /// <summary>D, after checking that x holds N samples of D = gamma's length.</summary>
    private int CheckInput(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int d = Gamma.Value.Size;
        if (x.Rank < 2 || x.Size / Math.Max(x.Dim(0), 1) != d)
            throw new ArgumentException($"BatchNormalization.Forward: x {Shapes.Format(x.Shape)} does not match gamma ({d},): expected (N, {d}) or (N, C, H, W) with C·H·W = {d}.", nameof(x));
        return d;
    }
}
