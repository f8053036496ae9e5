using System.Runtime.CompilerServices;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// Dropout's training pass in one loop: draw the mask and apply it, <c>mask[i] = u_i &gt; p ? keep : 0</c>,
/// <c>y[i] = x[i]·mask[i]</c>, with one uniform double <c>u_i</c> per element in order (NumPy's
/// <c>np.random.rand(*x.shape) &gt; p</c>, so the same seed gives the book's mask). The backward pass is
/// <c>dx = dout·mask</c>, a plain product.
/// </summary>
public static class Dropout
{
    /// <summary><c>mask[i] = random.Rand() &gt; ratio ? keep : 0</c>, <c>y[i] = x[i]·mask[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, Span<float> mask, Span<float> y, RandomState random, double ratio, float keep)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float m = random.Rand() > ratio ? keep : 0f;
            mask[i] = m;
            y[i] = x[i] * m;
        }
    }

    /// <summary>The reference of <see cref="Forward"/>: the mask drawn first, then applied.</summary>
    public static void ForwardNaive(ReadOnlySpan<float> x, Span<float> mask, Span<float> y, RandomState random, double ratio, float keep)
    {
        for (int i = 0; i < x.Length; i++)
            mask[i] = random.Rand() > ratio ? keep : 0f;
        for (int i = 0; i < x.Length; i++)
            y[i] = x[i] * mask[i];
    }
}
