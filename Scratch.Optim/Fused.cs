using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Scratch.Optim;

/// <summary>
/// The few fused loops the optimizers need and <c>System.Numerics.Tensors.TensorPrimitives</c> lacks (they would need a
/// temporary array there). Each is one pass: a <see cref="Vector{T}"/> body and a scalar tail that spells out the math.
/// </summary>
/// <remarks>
/// State that decays while its gradient is zero (<c>m ← β·m</c>, <c>v ← β·v</c>) never reaches zero in float32: it shrinks
/// into the subnormal range (below 2⁻¹²⁶ ≈ 1.2e-38) and stops there, because <c>β·m</c> rounds back to <c>m</c> a few units
/// above zero. x86 cores compute on subnormal operands through a microcode assist, about a hundred times slower, and a
/// network with dead units keeps such state in every step: Adam's update of SimpleConvNet's 432,000 hidden weights went
/// from 0.25 ms to 5 ms after about 700 steps. So every state written here is flushed: a value below 2⁻¹²⁶ in magnitude
/// is stored as 0 (what the hardware's flush-to-zero mode would give; it moves the weights by less than 1e-40·lr).
/// </remarks>
internal static class Fused
{
    /// <summary>The smallest normal float32, 2⁻¹²⁶: state below it in magnitude is stored as zero.</summary>
    public const float SmallestNormal = 1.17549435e-38f;

    /// <summary><c>x</c>, or 0 when |x| &lt; 2⁻¹²⁶ (a subnormal or a signed zero).</summary>
    public static float FlushSubnormal(float x) => MathF.Abs(x) < SmallestNormal ? 0f : x;

    /// <summary>Each lane of <paramref name="x"/>, or 0 where |x| &lt; 2⁻¹²⁶.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> FlushSubnormal(Vector<float> x) =>
        Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(x), new Vector<float>(SmallestNormal)), Vector<float>.Zero, x);

    /// <summary><c>x[i] = 0</c> wherever |x[i]| &lt; 2⁻¹²⁶, for state updated by <c>TensorPrimitives</c> calls.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FlushSubnormals(Span<float> x)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
                FlushSubnormal(new Vector<float>(x[i..])).CopyTo(x[i..]);
        for (; i < x.Length; i++)
            x[i] = FlushSubnormal(x[i]);
    }

    /// <summary><c>h[i] = a·h[i] + b·g[i]²</c> (RMSprop's leaky sum of squares), flushed below 2⁻¹²⁶.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                FlushSubnormal(va * new Vector<float>(h[i..]) + vb * gi * gi).CopyTo(h[i..]);
            }
        }
        for (; i < h.Length; i++)
            h[i] = FlushSubnormal(a * h[i] + b * g[i] * g[i]);
    }

    /// <summary><c>w[i] −= s·n[i] / (√d[i] + ε)</c> (the AdaGrad / RMSprop / Adam step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>
    /// Adam's whole step in one pass: <c>m[i] += a1·(g[i] − m[i]);  v[i] += a2·(g[i]² − v[i]);  w[i] −= s·m[i] / (√(k·v[i]) + ε)</c>,
    /// m and v flushed below 2⁻¹²⁶.
    /// </summary>
    /// <remarks>
    /// The book's form is <c>s = lr_t, k = 1</c>; PyTorch's bias-corrected form is <c>s = lr/(1−β1ᵗ), k = 1/(1−β2ᵗ)</c>, which
    /// gives <c>lr·m̂/(√v̂ + ε)</c>. One read of w, g, m, v and one write of w, m, v per element instead of three passes.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AdamStep(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float a1, float a2, float s, float k, float epsilon)
    {
        Debug.Assert(w.Length == g.Length && w.Length == m.Length && w.Length == v.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va1 = new Vector<float>(a1);
            var va2 = new Vector<float>(a2);
            var vs = new Vector<float>(s);
            var vk = new Vector<float>(k);
            var ve = new Vector<float>(epsilon);
            for (; i <= w.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = new Vector<float>(g[i..]);
                var mi = new Vector<float>(m[i..]);
                var vi = new Vector<float>(v[i..]);
                mi = FlushSubnormal(mi + va1 * (gi - mi));
                vi = FlushSubnormal(vi + va2 * (gi * gi - vi));
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
                (new Vector<float>(w[i..]) - vs * mi / (Vector.SquareRoot(vk * vi) + ve)).CopyTo(w[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            m[i] = FlushSubnormal(m[i] + a1 * (g[i] - m[i]));
            v[i] = FlushSubnormal(v[i] + a2 * (g[i] * g[i] - v[i]));
            w[i] -= s * m[i] / (MathF.Sqrt(k * v[i]) + epsilon);
        }
    }
}
