using System.Numerics.Tensors;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Batch normalization per channel: <c>out[n, c, h, w] = γ_c·(x[n, c, h, w] − μ_c)/√(σ²_c + ε) + β_c</c>, μ_c and σ²_c over (N, H, W).</summary>
/// <remarks>
/// x: (N, C, H, W); gamma, beta, running mean and variance: (C); out: x's shape.
/// This is PyTorch's <c>BatchNorm2d</c> (and the usual CNN choice): a channel is one feature, and its statistics
/// pool the M = N·H·W values of that channel. The book's <see cref="BatchNormalization"/> instead treats each of
/// the C·H·W positions as its own feature with statistics over N only. Everything else is the book's layer:
/// the same ε = 1e-6, the same running-statistics rule (population variance, starting at zero), and the same
/// backward formulas with N replaced by M. The loops walk each (n, c) plane of H·W contiguous values, so no
/// transposed copy of x is made.
/// </remarks>
public sealed class BatchNormalization2d : ILayer, IRunningStatistics
{
    /// <summary>ε, added to the variance before the square root (as <see cref="BatchNormalization.Epsilon"/>).</summary>
    public const float Epsilon = BatchNormalization.Epsilon;

    private NDArray? _xc, _xn;              // x − μ and (x − μ)/std, (N, C, H, W), kept for Backward
    private float[] _std = [];              // √(σ² + ε) per channel, (C)
    private int[] _xShape = [];
    private bool? _training;

    /// <summary>A layer with per-channel scale <paramref name="gamma"/> and shift <paramref name="beta"/>, both (C).</summary>
    /// <param name="gamma">γ, (C); usually ones.</param>
    /// <param name="beta">β, (C); usually zeros.</param>
    /// <param name="momentum">Weight of the old running statistics in each update.</param>
    /// <param name="runningMean">Initial running mean (C); zeros, created at the first Forward, when null.</param>
    /// <param name="runningVar">Initial running variance (C); zeros when null.</param>
    public BatchNormalization2d(NDArray gamma, NDArray beta, float momentum = 0.9f, NDArray? runningMean = null, NDArray? runningVar = null)
    {
        ArgumentNullException.ThrowIfNull(gamma);
        ArgumentNullException.ThrowIfNull(beta);
        Guard.Rank("BatchNormalization2d", "gamma", gamma, 1, "(C)");
        Guard.SameShape("BatchNormalization2d", "beta", beta, "gamma", gamma.Shape);
        Gamma = new Parameter("gamma", gamma);
        Beta = new Parameter("beta", beta);
        Momentum = momentum;
        RunningMean = runningMean;
        RunningVar = runningVar;
    }

    /// <summary>γ, (C), named "gamma".</summary>
    public Parameter Gamma { get; }

    /// <summary>β, (C), named "beta".</summary>
    public Parameter Beta { get; }

    /// <summary>Weight of the old running statistics: <c>running = momentum·running + (1 − momentum)·batch</c>.</summary>
    public float Momentum { get; set; }

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
    /// <remarks>x: (N, C, H, W). Result: x's shape, new.</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        int channels = Gamma.Value.Size;
        if (x.Rank != 4 || x.Dim(1) != channels)
            throw new ArgumentException($"BatchNormalization2d.Forward: expected x (N, C={channels}, H, W), got {Shape.Format(x.Shape)}.", nameof(x));
        RunningMean ??= NDArray.Zeros(channels);
        RunningVar ??= NDArray.Zeros(channels);
        Guard.SameShape("BatchNormalization2d.Forward", "RunningMean", RunningMean, "gamma", [channels]);
        Guard.SameShape("BatchNormalization2d.Forward", "RunningVar", RunningVar, "gamma", [channels]);
        _xShape = x.Shape;
        _training = training;
        int n = x.Dim(0), plane = x.Dim(2) * x.Dim(3);
        double m = (double)n * plane;                              // M = N·H·W values per channel

        ReadOnlySpan<float> xs = x.Contiguous().AsSpan();
        Span<float> xc = Guard.Reuse(ref _xc, _xShape).AsSpan(), xn = Guard.Reuse(ref _xn, _xShape).AsSpan();
        if (_std.Length != channels) _std = new float[channels];
        Span<float> runningMean = RunningMean.AsSpan(), runningVar = RunningVar.AsSpan();
        ReadOnlySpan<float> gamma = Gamma.Value.AsSpan(), beta = Beta.Value.AsSpan();
        var output = NDArray.Zeros(_xShape);
        Span<float> outs = output.AsSpan();

        for (int c = 0; c < channels; c++)
        {
            float mu, variance;
            if (training)
            {
                double sum = 0;
                for (int i = 0; i < n; i++) sum += TensorPrimitives.Sum(Plane(xs, i, c));
                mu = (float)(sum / m);                                 // μ_c = Σ x / M
                double squares = 0;
                for (int i = 0; i < n; i++)
                {
                    Span<float> xcPlane = Plane(xc, i, c);
                    TensorPrimitives.Subtract(Plane(xs, i, c), mu, xcPlane);   // xc = x − μ_c
                    squares += TensorPrimitives.SumOfSquares(xcPlane);
                }
                variance = (float)(squares / m);                       // σ²_c = Σ xc² / M
                runningMean[c] = Momentum * runningMean[c] + (1f - Momentum) * mu;
                runningVar[c] = Momentum * runningVar[c] + (1f - Momentum) * variance;
            }
            else
            {
                mu = runningMean[c];
                variance = runningVar[c];
                for (int i = 0; i < n; i++) TensorPrimitives.Subtract(Plane(xs, i, c), mu, Plane(xc, i, c));
            }
            float std = _std[c] = MathF.Sqrt(variance + Epsilon);      // std_c = √(σ²_c + ε)
            for (int i = 0; i < n; i++)
            {
                TensorPrimitives.Divide(Plane(xc, i, c), std, Plane(xn, i, c));                      // xn = xc / std_c
                TensorPrimitives.Multiply(Plane(xn, i, c), gamma[c], Plane(outs, i, c));             // out = γ_c·xn
                TensorPrimitives.Add(Plane(outs, i, c), beta[c], Plane(outs, i, c));                 //       + β_c
            }
        }
        return output;
    }

    /// <summary>
    /// The book's backward per channel, sums over (N, H, W): <c>dβ = Σdout</c>, <c>dγ = Σ(xn·dout)</c>, <c>dxn = γ·dout</c>, <c>dxc = dxn/std</c>,
    /// <c>dstd = −Σ(dxn·xc/std²)</c>, <c>dvar = 0.5·dstd/std</c>, <c>dxc += (2/M)·xc·dvar</c>, <c>dμ = Σdxc</c>, <c>dx = dxc − dμ/M</c>.
    /// </summary>
    /// <remarks>dout: (N, C, H, W), never modified. Result: x's shape, new. After a test-mode Forward, <c>dx = γ·dout/std</c>.</remarks>
    public NDArray Backward(NDArray dout)
    {
        bool training = _training ?? throw new InvalidOperationException("BatchNormalization2d.Backward called before BatchNormalization2d.Forward.");
        ArgumentNullException.ThrowIfNull(dout);
        Guard.SameShape("BatchNormalization2d.Backward", "dout", dout, "out", _xShape);
        int n = _xShape[0], channels = _xShape[1], plane = _xShape[2] * _xShape[3];
        double m = (double)n * plane;
        ReadOnlySpan<float> ds = dout.Contiguous().AsSpan(), xc = _xc!.AsSpan(), xn = _xn!.AsSpan();
        ReadOnlySpan<float> gamma = Gamma.Value.AsSpan();
        Span<float> dgamma = Gamma.Grad.AsSpan(), dbeta = Beta.Grad.AsSpan();
        var dx = NDArray.Zeros(_xShape);
        Span<float> dxs = dx.AsSpan();

        for (int c = 0; c < channels; c++)
        {
            double sumDout = 0, sumXnDout = 0, sumDxnXc = 0;
            float std = _std[c];
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<float> d = Plane(ds, i, c);
                Span<float> dxn = Plane(dxs, i, c);
                sumDout += TensorPrimitives.Sum(d);
                sumXnDout += TensorPrimitives.Dot(Plane(xn, i, c), d);
                TensorPrimitives.Multiply(d, gamma[c], dxn);                  // dxn = γ_c·dout
                sumDxnXc += TensorPrimitives.Dot(dxn, Plane(xc, i, c));
                TensorPrimitives.Divide(dxn, std, dxn);                       // dxc = dxn / std_c
            }
            dbeta[c] = (float)sumDout;                                        // dβ_c = Σ dout
            dgamma[c] = (float)sumXnDout;                                     // dγ_c = Σ xn·dout
            if (!training) continue;                                          // dx = γ·dout/std

            double dstd = -sumDxnXc / ((double)std * std);                    // dstd = −Σ dxn·xc / std²
            double dvar = 0.5 * dstd / std;                                   // dvar = 0.5·dstd/std
            float scale = (float)(2.0 / m * dvar);
            double dmu = 0;
            for (int i = 0; i < n; i++)
            {
                Span<float> dxc = Plane(dxs, i, c);
                TensorPrimitives.MultiplyAdd(Plane(xc, i, c), scale, dxc, dxc);   // dxc += (2/M)·xc·dvar
                dmu += TensorPrimitives.Sum(dxc);                                 // dμ = Σ dxc
            }
            float shift = (float)(dmu / m);
            for (int i = 0; i < n; i++)
                TensorPrimitives.Subtract(Plane(dxs, i, c), shift, Plane(dxs, i, c));   // dx = dxc − dμ/M
        }
        return dx;
    }

    /// <summary>The H·W values of image <paramref name="i"/>, channel <paramref name="c"/> in a contiguous (N, C, H, W) span.</summary>
    private Span<float> Plane(Span<float> s, int i, int c) => s.Slice((i * _xShape[1] + c) * (_xShape[2] * _xShape[3]), _xShape[2] * _xShape[3]);

    private ReadOnlySpan<float> Plane(ReadOnlySpan<float> s, int i, int c) => s.Slice((i * _xShape[1] + c) * (_xShape[2] * _xShape[3]), _xShape[2] * _xShape[3]);
}
