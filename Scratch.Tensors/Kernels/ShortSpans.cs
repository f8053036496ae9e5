using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// Copy, clear, add and add-a-scalar for short rows (a 7-float row of a 7×7 map, a 49-float tap, a batch row of 100 features):
/// inlined vector loops, where <c>Span.CopyTo</c>, <c>Span.Clear</c> and <c>TensorPrimitives.Add</c> are calls whose fixed
/// cost is several times the work at these lengths.
/// </summary>
internal static class ShortSpans
{
    /// <summary><c>dst[i] = src[i]</c>; the spans must not overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(ReadOnlySpan<float> src, Span<float> dst)
    {
        int n = src.Length;
        if (dst.Length < n) throw new ArgumentException("ShortSpans.Copy: destination shorter than source.", nameof(dst));
        ref float s = ref MemoryMarshal.GetReference(src), d = ref MemoryMarshal.GetReference(dst);
        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            int i = 0;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                Vector256.LoadUnsafe(ref s, (nuint)i).StoreUnsafe(ref d, (nuint)i);
            if (i < n)                                                  // the last vector overlaps the one before
                Vector256.LoadUnsafe(ref s, (nuint)(n - Vector256<float>.Count)).StoreUnsafe(ref d, (nuint)(n - Vector256<float>.Count));
            return;
        }
        for (int i = 0; i < n; i++)
            Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i);
    }

    /// <summary><c>span[i] = 0</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Clear(Span<float> span)
    {
        int n = span.Length;
        ref float d = ref MemoryMarshal.GetReference(span);
        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            int i = 0;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                Vector256<float>.Zero.StoreUnsafe(ref d, (nuint)i);
            if (i < n)
                Vector256<float>.Zero.StoreUnsafe(ref d, (nuint)(n - Vector256<float>.Count));
            return;
        }
        for (int i = 0; i < n; i++)
            Unsafe.Add(ref d, i) = 0f;
    }

    /// <summary><c>target[i] += src[i]</c>, in order of i for each element (the same sums as <c>TensorPrimitives.Add</c>); the spans must not overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(Span<float> target, ReadOnlySpan<float> src)
    {
        int n = src.Length;
        if (target.Length < n) throw new ArgumentException("ShortSpans.Add: target shorter than source.", nameof(target));
        ref float s = ref MemoryMarshal.GetReference(src), d = ref MemoryMarshal.GetReference(target);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                (Vector256.LoadUnsafe(ref d, (nuint)i) + Vector256.LoadUnsafe(ref s, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        for (; i < n; i++)
            Unsafe.Add(ref d, i) += Unsafe.Add(ref s, i);
    }

    /// <summary><c>dst[i] = relu?(src[i] + value)</c>; the spans must not overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScalar(ReadOnlySpan<float> src, float value, Span<float> dst, bool relu)
    {
        int n = src.Length;
        if (dst.Length < n) throw new ArgumentException("ShortSpans.AddScalar: destination shorter than source.", nameof(dst));
        ref float s = ref MemoryMarshal.GetReference(src), d = ref MemoryMarshal.GetReference(dst);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> v = Vector256.Create(value);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> sum = Vector256.LoadUnsafe(ref s, (nuint)i) + v;
                (relu ? Vector256.Max(sum, Vector256<float>.Zero) : sum).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float sum = Unsafe.Add(ref s, i) + value;
            Unsafe.Add(ref d, i) = relu ? MathF.Max(sum, 0f) : sum;
        }
    }
}
