using Scratch.Tensors;

namespace Scratch.Data;

/// <summary>Per-feature z-score <c>(x − μ) / σ</c>, with μ and σ fitted on the training set and reused for the others.</summary>
/// <remarks>
/// <code>
/// var scaler = StandardScaler.Fit(xTrain);         // μ, σ over axis 0: shape (D,) for x (N, D)
/// xTrain = scaler.Transform(xTrain);
/// xTest = scaler.Transform(xTest);                  // the train statistics, never the test's
/// </code>
/// σ is the population standard deviation (NumPy's <c>std</c>, ddof = 0); a feature with σ = 0 (a pixel
/// that is always background) is only centred, as scikit-learn's <c>StandardScaler</c> does.
/// </remarks>
public sealed class StandardScaler
{
    private StandardScaler(NDArray mean, NDArray std)
    {
        Mean = mean;
        Std = std;
    }

    /// <summary>μ per feature, shape x.Shape[1..].</summary>
    public NDArray Mean { get; }

    /// <summary>σ per feature (1 where the feature is constant), shape x.Shape[1..].</summary>
    public NDArray Std { get; }

    /// <summary>μ and σ of <paramref name="x"/> (N, …) over axis 0, accumulated in double.</summary>
    public static StandardScaler Fit(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 1 || x.Dim(0) == 0)
            throw new ArgumentException($"StandardScaler.Fit: expected x (N, …) with N ≥ 1, got {Shapes.Format(x.Shape)}.", nameof(x));
        int n = x.Dim(0);
        int[] featureShape = x.Shape[1..];
        int d = Shapes.Size(featureShape);
        float[] values = x.ToArray();                       // row-major (N, D)
        var sum = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                sum[j] += values[i * d + j];
        var mean = new float[d];
        var sq = new double[d];
        for (int j = 0; j < d; j++)
            sum[j] /= n;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                double dev = values[i * d + j] - sum[j];
                sq[j] += dev * dev;
            }
        var std = new float[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] = (float)sum[j];
            float s = (float)Math.Sqrt(sq[j] / n);
            std[j] = s > 0 ? s : 1f;
        }
        return featureShape.Length == 0
            ? new StandardScaler(NDArray.Scalar(mean[0]), NDArray.Scalar(std[0]))   // x (N,): one feature
            : new StandardScaler(NDArray.FromArray(mean, featureShape), NDArray.FromArray(std, featureShape));
    }

    /// <summary><c>(x − μ) / σ</c>, a new array; x: (M, …) with the fitted feature shape.</summary>
    public NDArray Transform(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 1 || !x.Shape.AsSpan(1).SequenceEqual(Mean.Shape))
            throw new ArgumentException(
                $"StandardScaler.Transform: expected x (M, {string.Join(", ", Mean.Shape)}) as fitted, got {Shapes.Format(x.Shape)}.", nameof(x));
        return (x - Mean) / Std;
    }

    /// <summary><see cref="Fit"/> then <see cref="Transform"/> on the same data.</summary>
    public static (StandardScaler Scaler, NDArray X) FitTransform(NDArray x)
    {
        var scaler = Fit(x);
        return (scaler, scaler.Transform(x));
    }
}
