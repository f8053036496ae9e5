using System.Globalization;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>The scale σ of a Gaussian weight initialization <c>W = σ·randn(fanIn, fanOut)</c>: He <c>√(2/fanIn)</c>, Xavier <c>√(1/fanIn)</c>, or a fixed σ.</summary>
/// <remarks>
/// These are the book's <c>weight_init_std</c> choices ('relu'/'he', 'sigmoid'/'xavier', or a number such as 0.01).
/// The book's "Xavier" is √(1/fanIn) (Glorot's fan-in variant), not Glorot's √(2/(fanIn + fanOut)).
/// fanIn is the number of inputs feeding one output: D for an Affine W (D, M), C·FH·FW for a Convolution W (FN, C, FH, FW).
/// </remarks>
public sealed class WeightInit
{
    private WeightInit(string name, double sigma)
    {
        Name = name;
        Sigma = sigma;
    }

    /// <summary>He (for ReLU): <c>σ = √(2/fanIn)</c>.</summary>
    public static WeightInit He { get; } = new("He", double.NaN);

    /// <summary>The book's Xavier (for sigmoid and tanh): <c>σ = √(1/fanIn)</c>.</summary>
    public static WeightInit Xavier { get; } = new("Xavier", double.NaN);

    /// <summary>A fixed standard deviation, the book's numeric <c>weight_init_std</c> (e.g. 0.01).</summary>
    /// <param name="sigma">σ ≥ 0, a double so that 0.01 is NumPy's 0.01 (the float 0.01f would round some weights differently).</param>
    public static WeightInit Std(double sigma)
    {
        if (!(sigma >= 0) || !double.IsFinite(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "WeightInit.Std: sigma must be finite and ≥ 0.");
        return new("Std", sigma);
    }

    /// <summary>The book's <c>weight_init_std</c> argument: "relu" or "he" → He, "sigmoid" or "xavier" → Xavier, a number → Std.</summary>
    public static WeightInit Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToLowerInvariant())
        {
            case "relu" or "he": return He;
            case "sigmoid" or "xavier": return Xavier;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double sigma))
            return Std(sigma);
        throw new ArgumentException($"WeightInit.Parse: '{text}' is not 'relu', 'he', 'sigmoid', 'xavier' or a number.", nameof(text));
    }

    /// <summary>"He", "Xavier" or "Std".</summary>
    public string Name { get; }

    /// <summary>σ for <see cref="Std(double)"/>; NaN for He and Xavier, whose σ depends on fanIn.</summary>
    public double Sigma { get; }

    /// <summary>The standard deviation for a layer with <paramref name="fanIn"/> inputs per output.</summary>
    public double Scale(int fanIn)
    {
        if (fanIn <= 0) throw new ArgumentOutOfRangeException(nameof(fanIn), fanIn, "WeightInit.Scale: fanIn must be positive.");
        return Name switch
        {
            "He" => Math.Sqrt(2.0 / fanIn),
            "Xavier" => Math.Sqrt(1.0 / fanIn),
            _ => Sigma,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Name == "Std" ? $"Std({Sigma.ToString(CultureInfo.InvariantCulture)})" : Name;
}

/// <summary>Initial values for parameters, drawn from <see cref="RandomState"/> so that they equal NumPy's for the same seed.</summary>
/// <remarks>
/// <c>Init.Weights([fanIn, fanOut], WeightInit.He, new RandomState(s))</c> gives the same float32 numbers as
/// <c>np.random.seed(s); (np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / fan_in)).astype(np.float32)</c>: the product
/// is taken in double and rounded once. Draws advance the generator, so successive calls continue one stream, as NumPy's global one.
/// </remarks>
public static class Init
{
    /// <summary><c>W = σ·randn(shape)</c> with σ from <paramref name="init"/> and fanIn from the shape.</summary>
    /// <remarks>shape: (D, M) for Affine and MatMul (fanIn = D), or (FN, C, FH, FW) for Convolution (fanIn = C·FH·FW).</remarks>
    public static NDArray Weights(int[] shape, WeightInit init, RandomState random)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(init);
        return Normal(shape, 0.0, init.Scale(FanIn(shape)), random);
    }

    /// <summary>The number of inputs of one output unit: D for (D, M), C·FH·FW for (FN, C, FH, FW).</summary>
    public static int FanIn(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return shape.Length switch
        {
            2 => shape[0],
            4 => shape[1] * shape[2] * shape[3],
            _ => throw new ArgumentException($"Init.FanIn: expected weights (D, M) or (FN, C, FH, FW), got {Shapes.Format(shape)}.", nameof(shape)),
        };
    }

    /// <summary>All zeros: the book's biases and β.</summary>
    public static NDArray Zeros(params int[] shape) => NDArray.Zeros(shape);

    /// <summary>All ones: the book's γ.</summary>
    public static NDArray Ones(params int[] shape) => NDArray.Ones(shape);

    /// <summary><c>mean + std·randn(shape)</c>: <c>np.random.normal(mean, std, shape)</c> (for mean 0, <c>std * np.random.randn(*shape)</c>).</summary>
    public static NDArray Normal(int[] shape, double mean, double std, RandomState random)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(random);
        var w = NDArray.Zeros(shape);
        random.FillNormal(w.AsSpan(), mean, std);
        return w;
    }

    /// <summary><c>U[low, high)</c> samples: <c>np.random.uniform(low, high, shape)</c>.</summary>
    public static NDArray Uniform(int[] shape, double low, double high, RandomState random)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(random);
        var w = NDArray.Zeros(shape);
        random.FillUniform(w.AsSpan(), low, high);
        return w;
    }
}
