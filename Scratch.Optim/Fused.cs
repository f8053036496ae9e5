using System.Diagnostics;
using System.Numerics;

namespace Scratch.Optim;

/// <summary>
/// The few fused loops the optimizers need and <c>System.Numerics.Tensors.TensorPrimitives</c> lacks (they would need a
/// temporary array there). Each is one pass: a <see cref="Vector{T}"/> body and a scalar tail that spells out the math.
/// </summary>
internal static class Fused
{
    /// <summary><c>h[i] = a·h[i] + b·g[i]²</c> (RMSprop's leaky sum of squares).</summary>
    public static void ScaleAddSquare(Span<float> h, float a, float b, ReadOnlySpan<float> g)
    {
        Debug.Assert(h.Length == g.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            var vb = new Vector<float>(b);
            for (; i <= h.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = new Vector<float>(g[i..]);
                (va * new Vector<float>(h[i..]) + vb * gi * gi).CopyTo(h[i..]);
            }
        }
        for (; i < h.Length; i++)
            h[i] = a * h[i] + b * g[i] * g[i];
    }

    /// <summary><c>m[i] += a·(g[i] − m[i])</c> (Adam's first moment, the book's form).</summary>
    public static void MoveToward(Span<float> m, float a, ReadOnlySpan<float> g)
    {
        Debug.Assert(m.Length == g.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            for (; i <= m.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var mi = new Vector<float>(m[i..]);
                (mi + va * (new Vector<float>(g[i..]) - mi)).CopyTo(m[i..]);
            }
        }
        for (; i < m.Length; i++)
            m[i] += a * (g[i] - m[i]);
    }

    /// <summary><c>v[i] += a·(g[i]² − v[i])</c> (Adam's second moment, the book's form).</summary>
    public static void MoveTowardSquare(Span<float> v, float a, ReadOnlySpan<float> g)
    {
        Debug.Assert(v.Length == g.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            for (; i <= v.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vi = new Vector<float>(v[i..]);
                var gi = new Vector<float>(g[i..]);
                (vi + va * (gi * gi - vi)).CopyTo(v[i..]);
            }
        }
        for (; i < v.Length; i++)
            v[i] += a * (g[i] * g[i] - v[i]);
    }

    /// <summary><c>w[i] −= s·n[i] / (√d[i] + ε)</c> (the AdaGrad / RMSprop / Adam step).</summary>
    public static void SubtractScaledRatio(Span<float> w, float s, ReadOnlySpan<float> n, ReadOnlySpan<float> d, float epsilon)
    {
        Debug.Assert(w.Length == n.Length && w.Length == d.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vs = new Vector<float>(s);
            var ve = new Vector<float>(epsilon);
            for (; i <= w.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var step = vs * new Vector<float>(n[i..]) / (Vector.SquareRoot(new Vector<float>(d[i..])) + ve);
                (new Vector<float>(w[i..]) - step).CopyTo(w[i..]);
            }
        }
        for (; i < w.Length; i++)
            w[i] -= s * n[i] / (MathF.Sqrt(d[i]) + epsilon);
    }
}
