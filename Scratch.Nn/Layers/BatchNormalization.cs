using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>The book's batch normalization, per feature: <c>out = γ·(x − μ)/√(σ² + ε) + β</c> with μ, σ² the batch mean and variance of each feature.</summary>
/// <remarks>
/// x: (N, D), or (N, C, H, W) seen as (N, C·H·W), so every pixel of every channel is a feature of its own and
/// gamma, beta have C·H·W elements (the book's layer; <see cref="BatchNormalization2d"/> is the per-channel
/// variant CNNs normally use). gamma, beta, running mean and variance: (D). out: x's shape.
/// ε = 1e-6 (the book's <c>10e-7</c>). Training normalizes with the batch statistics and updates
/// <c>running = momentum·running + (1 − momentum)·batch</c> (population variance, divided by N, as the book);
/// test time normalizes with the running statistics, which start at zero.
/// </remarks>
public sealed class BatchNormalization : ILayer, IRunningStatistics
{
    /// <summary>ε, added to the variance before the square root: the book's <c>10e-7</c>.</summary>
    public const float Epsilon = 1e-6f;

    // Saved by a training Forward for Backward, each reused while the shape repeats.
    private NDArray? _xc;     // x − μ, (N, D)
    private NDArray? _xn;     // (x − μ)/std, (N, D)
    private NDArray? _std;    // √(σ² + ε), (D)
    private NDArray? _mu, _var, _dstd, _dmu, _scratch;   // (D) and (N, D) scratch
    private int[] _xShape = [];
    private bool? _training;  // the last Forward's mode

    /// <summary>A layer with scale <paramref name="gamma"/> and shift <paramref name="beta"/>, both (D).</summary>
    /// <param name="gamma">γ, (D); usually ones.</param>
    /// <param name="beta">β, (D); usually zeros.</param>
    /// <param name="momentum">Weight of the old running statistics in each update.</param>
    /// <param name="runningMean">Initial running mean (D); zeros, created at the first Forward, when null.</param>
    /// <param name="runningVar">Initial running variance (D); zeros when null.</param>
    public BatchNormalization(NDArray gamma, NDArray beta, float momentum = 0.9f, NDArray? runningMean = null, NDArray? runningVar = null)
    {
        ArgumentNullException.ThrowIfNull(gamma);
        ArgumentNullException.ThrowIfNull(beta);
        Guard.Rank("BatchNormalization", "gamma", gamma, 1, "(D)");
        Guard.SameShape("BatchNormalization", "beta", beta, "gamma", gamma.Shape);
        Gamma = new Parameter("gamma", gamma);
        Beta = new Parameter("beta", beta);
        Momentum = momentum;
        RunningMean = runningMean;
        RunningVar = runningVar;
    }

    /// <summary>γ, (D), named "gamma".</summary>
    public Parameter Gamma { get; }

    /// <summary>β, (D), named "beta".</summary>
    public Parameter Beta { get; }

    /// <summary>Weight of the old running statistics: <c>running = momentum·running + (1 − momentum)·batch</c>.</summary>
    public float Momentum { get; set; }

    /// <summary>Running mean (D) used at test time; null until the first Forward (or set from a checkpoint).</summary>
    public NDArray? RunningMean { get; set; }

    /// <summary>Running (population) variance (D) used at test time; null until the first Forward (or set from a checkpoint).</summary>
    public NDArray? RunningVar { get; set; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [Gamma, Beta];

    /// <summary>
    /// Training: <c>μ = mean(x, 0)</c>, <c>xc = x − μ</c>, <c>σ² = mean(xc², 0)</c>, <c>std = √(σ² + ε)</c>, <c>xn = xc/std</c>;
    /// test: <c>xn = (x − running mean)/√(running var + ε)</c>. Then <c>out = γ·xn + β</c>.
    /// </summary>
    /// <remarks>x: (N, D) or (N, C, H, W) with C·H·W = D. Result: x's shape, new.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        int d = Gamma.Value.Size;
        if (x.Rank < 2 || x.Size / Math.Max(x.Dim(0), 1) != d)
            throw new ArgumentException($"BatchNormalization.Forward: x {Shape.Format(x.Shape)} does not match gamma ({d},): expected (N, {d}) or (N, C, H, W) with C·H·W = {d}.", nameof(x));
        int n = x.Dim(0);
        NDArray x2 = x.Reshape(n, d);                       // the book: x.reshape(N, −1)
        RunningMean ??= NDArray.Zeros(d);
        RunningVar ??= NDArray.Zeros(d);
        Guard.SameShape("BatchNormalization.Forward", "RunningMean", RunningMean, "gamma", [d]);
        Guard.SameShape("BatchNormalization.Forward", "RunningVar", RunningVar, "gamma", [d]);
        _xShape = x.Shape;
        _training = training;

        NDArray xc = Guard.Reuse(ref _xc, n, d), xn = Guard.Reuse(ref _xn, n, d), std = Guard.Reuse(ref _std, d);
        if (training)
        {
            NDArray mu = Guard.Reuse(ref _mu, d), variance = Guard.Reuse(ref _var, d);
            x2.Mean(axis: 0, into: mu);                             // μ = mean(x, 0)
            NDArray.Subtract(x2, mu, into: xc);                     // xc = x − μ
            xc.Square(into: xn).Mean(axis: 0, into: variance);      // σ² = mean(xc², 0)   (xn as scratch)
            NDArray.Add(variance, NDArray.Scalar(Epsilon), into: std).Sqrt(into: std);   // std = √(σ² + ε)
            NDArray.Divide(xc, std, into: xn);                      // xn = xc / std
            RunningMean.MultiplyInPlace(Momentum).ScaledAddInPlace(1f - Momentum, mu);        // running = m·running + (1 − m)·μ
            RunningVar.MultiplyInPlace(Momentum).ScaledAddInPlace(1f - Momentum, variance);   //           m·running + (1 − m)·σ²
        }
        else
        {
            NDArray.Subtract(x2, RunningMean, into: xc);            // xc = x − running mean
            NDArray.Add(RunningVar, NDArray.Scalar(Epsilon), into: std).Sqrt(into: std);   // std = √(running var + ε)
            NDArray.Divide(xc, std, into: xn);                      // xn = xc / std
        }
        NDArray output = xn * Gamma.Value;                          // γ·xn
        return output.AddInPlace(Beta.Value).Reshape(_xShape);      // + β, back to x's shape (a view)
    }

    /// <summary>
    /// The book's backward: <c>dβ = Σdout</c>, <c>dγ = Σ(xn·dout)</c>, <c>dxn = γ·dout</c>, <c>dxc = dxn/std</c>,
    /// <c>dstd = −Σ(dxn·xc/std²)</c>, <c>dvar = 0.5·dstd/std</c>, <c>dxc += (2/N)·xc·dvar</c>, <c>dμ = Σdxc</c>, <c>dx = dxc − dμ/N</c>.
    /// </summary>
    /// <remarks>
    /// Sums run over the batch axis. dout: x's shape, never modified. Result: x's shape, new. After a test-mode Forward
    /// the statistics were constants, so <c>dx = γ·dout/std</c> (dγ and dβ as above).
    /// </remarks>
    public NDArray Backward(NDArray dout)
    {
        bool training = _training ?? throw new InvalidOperationException("BatchNormalization.Backward called before BatchNormalization.Forward.");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("BatchNormalization.Backward", "dout", dout, "out", _xShape);
        NDArray xc = _xc!, xn = _xn!, std = _std!;
        int n = xc.Dim(0), d = xc.Dim(1);
        NDArray dout2 = dout.Reshape(n, d);
        NDArray scratch = Guard.Reuse(ref _scratch, n, d);

        dout2.Sum(axis: 0, into: Beta.Grad);                            // dβ = Σ dout
        NDArray.Multiply(xn, dout2, into: scratch).Sum(axis: 0, into: Gamma.Grad);   // dγ = Σ xn·dout
        NDArray dx = dout2 * Gamma.Value;                               // dxn = γ·dout, (N, D), becomes dx in place
        if (training)
        {
            NDArray dstd = Guard.Reuse(ref _dstd, d), dmu = Guard.Reuse(ref _dmu, d);
            NDArray.Multiply(dx, xc, into: scratch).Sum(axis: 0, into: dstd);   // Σ dxn·xc
            NDArray.Divide(NDArray.Divide(dstd, std, into: dstd), std, into: dstd).MultiplyInPlace(-1f);   // dstd = −Σ(dxn·xc)/std²
            NDArray.Divide(dx, std, into: dx);                          // dxc = dxn / std
            NDArray dvar = NDArray.Divide(dstd, std, into: dstd).MultiplyInPlace(0.5f);   // dvar = 0.5·dstd/std   (reuses dstd)
            NDArray.Multiply(xc, dvar, into: scratch);                  // xc·dvar
            dx.ScaledAddInPlace(2f / n, scratch);                       // dxc += (2/N)·xc·dvar
            dx.Sum(axis: 0, into: dmu);                                 // dμ = Σ dxc
            dx.SubtractInPlace(dmu.MultiplyInPlace(1f / n));            // dx = dxc − dμ/N
        }
        else
            NDArray.Divide(dx, std, into: dx);                          // dx = γ·dout/std
        return dx.Reshape(_xShape);
    }
}
