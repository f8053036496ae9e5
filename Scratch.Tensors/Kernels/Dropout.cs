using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// Dropout's training pass in one loop: draw the mask and apply it, <c>mask[i] = u_i &gt; p ? keep : 0</c>,
/// <c>y[i] = x[i]·mask[i]</c>, with one uniform double <c>u_i</c> per element in order (NumPy's
/// <c>np.random.rand(*x.shape) &gt; p</c>, so the same seed gives the book's mask). The backward pass is
/// <c>dx = dout·mask</c>, a plain product.
/// </summary>
/// <remarks>
/// <c>u_i = ((a &gt;&gt; 5)·2²⁶ + (b &gt;&gt; 6))/2⁵³</c> from two 32-bit draws a, b, so <c>u_i &gt; p</c> exactly when the
/// 53-bit integer <c>(a &gt;&gt; 5)·2²⁶ + (b &gt;&gt; 6)</c> exceeds <c>⌊p·2⁵³⌋</c> (p·2⁵³ is exact): the mask is decided in
/// integers, 4 elements per Vector256 of draws, from the generator's words taken in runs. The same masks, draw for draw,
/// as the double comparison element by element (the <c>Naive</c> twin), at a tenth of its cost.
/// </remarks>
public static class Dropout
{
    /// <summary>Elements whose draws are taken from the generator at once (2 KiB of words on the stack).</summary>
    private const int Block = 256;

    /// <summary><c>mask[i] = random.Rand() &gt; ratio ? keep : 0</c>, <c>y[i] = x[i]·mask[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, Span<float> mask, Span<float> y, RandomState random, double ratio, float keep)
    {
        if (mask.Length < x.Length || y.Length < x.Length)
            throw new ArgumentException($"Dropout.Forward: mask ({mask.Length}) and y ({y.Length}) must hold x's {x.Length} elements.");
        long threshold = (long)Math.Floor(ratio * 9007199254740992.0);   // u > ratio ⟺ the 53-bit draw > ⌊ratio·2⁵³⌋
        Span<uint> words = stackalloc uint[2 * Block];
        for (int start = 0; start < x.Length; start += Block)
        {
            int count = Math.Min(Block, x.Length - start);
            random.Engine.NextUInt32s(words[..(2 * count)]);
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<long> limit = Vector256.Create(threshold);
                Vector256<float> kept = Vector256.Create(keep);
                for (; i <= count - 8; i += 8)
                {
                    // Each long lane holds a draw pair: a in its low half, b in its high half.
                    Vector256<long> low = Vector256.Create(words.Slice(2 * i, 8)).AsInt64(), high = Vector256.Create(words.Slice(2 * i + 8, 8)).AsInt64();
                    Vector256<long> drawLow = ((low & Vector256.Create(0xFFFFFFFFL)) >>> 5 << 26) | (low >>> 38);
                    Vector256<long> drawHigh = ((high & Vector256.Create(0xFFFFFFFFL)) >>> 5 << 26) | (high >>> 38);
                    Vector256<float> m = kept & Vector256.Narrow(Vector256.GreaterThan(drawLow, limit), Vector256.GreaterThan(drawHigh, limit)).AsSingle();
                    m.CopyTo(mask.Slice(start + i, 8));
                    (Vector256.Create(x.Slice(start + i, 8)) * m).CopyTo(y.Slice(start + i, 8));
                }
            }
            for (; i < count; i++)
            {
                long draw = (long)(words[2 * i] >> 5) << 26 | (words[2 * i + 1] >> 6);
                float m = draw > threshold ? keep : 0f;
                mask[start + i] = m;
                y[start + i] = x[start + i] * m;
            }
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
