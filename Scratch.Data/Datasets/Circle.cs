using Scratch.Tensors;

namespace Scratch.Data;

/// <summary>Points uniform in the unit disc, labelled by whether they lie outside the circle of radius 0.5.</summary>
public static class Circle
{
    /// <summary>The radius that separates the classes: t = 1 when r &gt; 0.5.</summary>
    public const double Boundary = 0.5;

    /// <summary><paramref name="n"/> points uniform in the unit disc and their labels (t = 1 outside radius 0.5, else 0).</summary>
    /// <remarks>
    /// <code>
    /// rs = np.random.RandomState(seed)
    /// r = np.sqrt(rs.rand(n))                 # √u makes the density uniform over the area
    /// theta = 2*np.pi * rs.rand(n)
    /// x = np.stack([r*np.cos(theta), r*np.sin(theta)], axis=1)
    /// t = (r &gt; 0.5).astype(float).reshape(n, 1)
    /// </code>
    /// Computed in double, then rounded to float. x: (n, 2); t: (n, 1). About three quarters of the points are class 1.
    /// </remarks>
    public static (NDArray X, NDArray T) Load(int n, uint seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var random = new RandomState(seed);
        double[] u = random.Rand(n);
        double[] v = random.Rand(n);
        var x = new float[2 * n];
        var t = new float[n];
        for (int i = 0; i < n; i++)
        {
            double r = Math.Sqrt(u[i]);
            double theta = 2 * Math.PI * v[i];
            x[2 * i] = (float)(r * Math.Cos(theta));
            x[2 * i + 1] = (float)(r * Math.Sin(theta));
            t[i] = r > Boundary ? 1f : 0f;
        }
        return (NDArray.FromArray(x, n, 2), NDArray.FromArray(t, n, 1));
    }
}
