using Scratch.Tensors;

namespace Scratch.Data;

/// <summary>Three interleaved spiral arms: the toy set of <i>Deep Learning from Scratch 2</i>'s <c>dataset/spiral.py</c>.</summary>
public static class Spiral
{
    /// <summary>Points per class (N).</summary>
    public const int PointsPerClass = 100;

    /// <summary>Number of classes (CLS_NUM).</summary>
    public const int Classes = 3;

    /// <summary>The 300 points and their one-hot classes, exactly as <c>spiral.load_data(seed)</c>.</summary>
    /// <remarks>
    /// <code>
    /// np.random.seed(seed)
    /// for j in range(CLS_NUM):
    ///     for i in range(N):
    ///         rate = i / N
    ///         radius = 1.0*rate
    ///         theta = j*4.0 + 4.0*rate + np.random.randn()*0.2
    ///         ix = N*j + i
    ///         x[ix] = radius*np.sin(theta), radius*np.cos(theta)
    ///         t[ix, j] = 1
    /// </code>
    /// Computed in double as NumPy does, then rounded to float. x: (300, 2); t: (300, 3), rows 100·j … 100·j + 99 are class j.
    /// </remarks>
    public static (NDArray X, NDArray T) Load(uint seed = 1984)
    {
        var random = new RandomState(seed);
        var x = new float[PointsPerClass * Classes * 2];
        var t = new float[PointsPerClass * Classes * Classes];
        for (int j = 0; j < Classes; j++)
        {
            for (int i = 0; i < PointsPerClass; i++)
            {
                double rate = (double)i / PointsPerClass;
                double radius = 1.0 * rate;
                double theta = j * 4.0 + 4.0 * rate + random.Randn() * 0.2;
                int ix = PointsPerClass * j + i;
                x[2 * ix] = (float)(radius * Math.Sin(theta));
                x[2 * ix + 1] = (float)(radius * Math.Cos(theta));
                t[Classes * ix + j] = 1f;
            }
        }
        return (NDArray.FromArray(x, PointsPerClass * Classes, 2), NDArray.FromArray(t, PointsPerClass * Classes, Classes));
    }
}
