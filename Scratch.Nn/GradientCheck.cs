using System.Globalization;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>One array's comparison: <c>Error = ‖a − n‖ / (‖a‖ + ‖n‖)</c> between the backprop gradient a and the central-difference gradient n.</summary>
/// <param name="Name">"x" for the input, else the parameter's name ("W", "b", "gamma" …).</param>
/// <param name="Error">The relative error, in [0, 1]; 0 when both gradients are exactly zero.</param>
/// <param name="MaxAbsDifference">The largest <c>|a_i − n_i|</c>, to see how far off the worst element is.</param>
/// <param name="WorstIndex">The flat (row-major) index of that element.</param>
public readonly record struct GradientCheckEntry(string Name, double Error, double MaxAbsDifference, int WorstIndex);

/// <summary>The outcome of <see cref="GradientCheck"/>: one <see cref="GradientCheckEntry"/> per checked array, and the worst error.</summary>
public sealed class GradientCheckResult
{
    internal GradientCheckResult(IReadOnlyList<GradientCheckEntry> entries) => Entries = entries;

    /// <summary>The arrays in the order they were checked: the input "x" first (when checked), then each parameter.</summary>
    public IReadOnlyList<GradientCheckEntry> Entries { get; }

    /// <summary>The error of the first array named <paramref name="name"/>.</summary>
    public double this[string name] =>
        Entries.FirstOrDefault(e => e.Name == name) is { Name: not null } entry
            ? entry.Error
            : throw new KeyNotFoundException($"GradientCheckResult: no array named '{name}'; checked: {string.Join(", ", Entries.Select(e => e.Name))}.");

    /// <summary>The largest <see cref="GradientCheckEntry.Error"/> (0 when nothing was checked).</summary>
    public double MaxError => Entries.Count == 0 ? 0 : Entries.Max(e => e.Error);

    /// <summary>"x: 1.2e-05, W: 3.4e-06, b: 5.6e-07".</summary>
    public override string ToString() =>
        string.Join(", ", Entries.Select(e => $"{e.Name}: {e.Error.ToString("0.0e+00", CultureInfo.InvariantCulture)}"));
}

/// <summary>Checks backprop against central differences: <c>∂L/∂θ_i ≈ (L(θ + h·e_i) − L(θ − h·e_i)) / 2h</c> for every element of every array.</summary>
/// <remarks>
/// <para><b>Error measure.</b> Per array, <c>‖a − n‖₂ / (‖a‖₂ + ‖n‖₂)</c> with a the backprop gradient and n the numerical
/// one (0 when both are zero). It is scale-free and, unlike the element-wise <c>max |a_i − n_i| / (|a_i| + |n_i|)</c>, is not
/// dominated by elements whose true gradient is near zero, where float32 rounding alone gives a relative error near 1. A
/// wrong formula shows as an error of order 0.1 to 1; a correct layer in float32 gives about 1e-5 to 1e-3.
/// <see cref="GradientCheckEntry.MaxAbsDifference"/> and its index point at the worst element when it fails.</para>
/// <para><b>Step.</b> The central difference errs by truncation ≈ h²·|f‴|/6 and by rounding ≈ ε·|L|/h, ε = 2⁻²³ ≈ 1.2e-7 for
/// float32. Their sum is smallest near h ≈ (3ε·|L|/|f‴|)^(1/3) ≈ 7e-3 for |L|, |f‴| of order 1, so the default
/// <see cref="DefaultStep"/> is 1e-2: rounding then costs ≈ 1e-5·|L| per derivative and truncation ≈ 2e-5·|f‴|. The book's
/// h = 1e-4 is right for float64 (ε ≈ 2.2e-16) but in float32 leaves ≈ 1e-3·|L| of pure rounding noise. The divisor is
/// the step actually taken, <c>fl(θ + h) − fl(θ − h)</c>. Losses are accumulated in double; the layers compute in float.
/// With kinks (ReLU at 0, max-pooling ties) choose inputs farther than h from them. A gradient that is exactly zero in
/// theory (a bias right before batch normalization, which subtracts the batch mean) compares noise with noise and shows an
/// error near 1: look at <see cref="GradientCheckEntry.MaxAbsDifference"/> there.</para>
/// </remarks>
public static class GradientCheck
{
    /// <summary>The default central-difference step for float32: 1e-2 (see the remarks of <see cref="GradientCheck"/>).</summary>
    public const float DefaultStep = 1e-2f;

    /// <summary>Checks any network: <paramref name="loss"/> evaluates L at the current parameter values; <paramref name="backprop"/>, called right after it, fills every <see cref="Parameter.Grad"/>.</summary>
    /// <remarks>Each parameter's Value is nudged in place and restored bit for bit; Grad keeps the backprop gradient at the unperturbed point.</remarks>
    public static GradientCheckResult Check(Func<float> loss, Action backprop, IReadOnlyList<Parameter> parameters, float h = DefaultStep)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return CheckCore(() => loss(), backprop, parameters, h);
    }

    /// <summary>Checks a network's <see cref="INetwork.Gradient"/> against central differences of its training-mode <see cref="INetwork.Loss"/>, for every parameter.</summary>
    /// <remarks>Every element of every parameter is nudged twice: use small networks. ReLU and max-pool kinks within h of a value make its difference meaningless.</remarks>
    public static GradientCheckResult Check(INetwork network, NDArray x, NDArray t, float h = DefaultStep)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Check(() => network.Loss(x, t, training: true), () => network.Gradient(x, t), network.Parameters, h);
    }

    /// <summary>Checks a layer's dx and every parameter gradient with the loss <c>L = Σ out ⊙ R</c>, R a fixed standard-normal array (so <c>dout = R</c>).</summary>
    /// <remarks>
    /// x is copied; <paramref name="training"/> is passed to every Forward (true: batch statistics, dropout masks).
    /// A random linear functional exercises every output element with a different weight, which a plain Σ out would not
    /// (Σ softmax is constant, for one). Also fails if Backward wrote into dout.
    /// </remarks>
    public static GradientCheckResult Check(ILayer layer, NDArray x, bool training = true, float h = DefaultStep, uint seed = 0)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(x);
        var input = new Parameter("x", x.Clone());
        int[] outShape = layer.Forward(input.Value, training).Shape;
        NDArray r = NDArray.RandomNormal(outShape, 0f, 1f, seed);
        NDArray rCopy = r.Clone();
        double Loss() => Dot(layer.Forward(input.Value, training), r);
        void Backprop()
        {
            NDArray dx = layer.Backward(r);
            if (!r.ToArray().AsSpan().SequenceEqual(rCopy.ToArray()))
                throw new InvalidOperationException($"GradientCheck: {layer.GetType().Name}.Backward wrote into dout.");
            input.Grad.CopyFrom(dx);
        }
        return CheckCore(Loss, Backprop, [input, .. layer.Parameters], h);
    }

    /// <summary>Checks a loss layer's <c>dx = Backward(1)</c> against central differences of <c>Forward(x, t)</c>.</summary>
    /// <remarks>x is copied; t is left alone (targets have no gradient).</remarks>
    public static GradientCheckResult Check(ILossLayer lossLayer, NDArray x, NDArray t, float h = DefaultStep)
    {
        ArgumentNullException.ThrowIfNull(lossLayer);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        var input = new Parameter("x", x.Clone());
        return CheckCore(() => lossLayer.Forward(input.Value, t), () => input.Grad.CopyFrom(lossLayer.Backward(1f)), [input], h);
    }

    /// <summary><c>‖a − n‖₂ / (‖a‖₂ + ‖n‖₂)</c> in double; 0 when both are zero.</summary>
    public static double RelativeError(NDArray analytic, NDArray numeric)
    {
        ArgumentNullException.ThrowIfNull(analytic);
        ArgumentNullException.ThrowIfNull(numeric);
        Guard.SameShape("GradientCheck.RelativeError", "numeric", numeric, "analytic", analytic.Shape);
        return Compare("", analytic.ToArray(), numeric.ToArray()).Error;
    }

    internal static GradientCheckResult CheckCore(Func<double> loss, Action backprop, IReadOnlyList<Parameter> parameters, float h)
    {
        ArgumentNullException.ThrowIfNull(backprop);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(h > 0) || !float.IsFinite(h))
            throw new ArgumentException($"GradientCheck: step h = {h} must be positive and finite.", nameof(h));
        loss();
        backprop();                                                   // the gradients at the unperturbed point
        float[][] analytic = parameters.Select(p => p.Grad.ToArray()).ToArray();
        var entries = new List<GradientCheckEntry>(parameters.Count);
        for (int k = 0; k < parameters.Count; k++)
        {
            var numeric = new float[parameters[k].Value.Size];
            Functions.CentralDifferences(loss, parameters[k].Value.AsSpan(), numeric, h);
            entries.Add(Compare(parameters[k].Name, analytic[k], numeric));
        }
        return new GradientCheckResult(entries);
    }

    private static GradientCheckEntry Compare(string name, float[] a, float[] n)
    {
        double diff = 0, normA = 0, normN = 0, worst = 0;
        int worstAt = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - n[i];
            diff += d * d;
            normA += (double)a[i] * a[i];
            normN += (double)n[i] * n[i];
            if (Math.Abs(d) > worst) { worst = Math.Abs(d); worstAt = i; }
        }
        double denominator = Math.Sqrt(normA) + Math.Sqrt(normN);
        return new GradientCheckEntry(name, denominator == 0 ? 0 : Math.Sqrt(diff) / denominator, worst, worstAt);
    }

    private static double Dot(NDArray a, NDArray b)
    {
        float[] x = a.ToArray(), y = b.ToArray();
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += (double)x[i] * y[i];
        return sum;
    }
}
