using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Scratch.Tensors.Kernels;

/// <summary>An elementwise operation of two operands, with a scalar form and span forms for the fast paths.</summary>
internal interface IBinaryOp
{
    static abstract float Apply(float x, float y);
    /// <summary><c>d[i] = x[i] ∘ y[i]</c>.</summary>
    static abstract void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d);
    /// <summary><c>d[i] = x[i] ∘ y</c>.</summary>
    static abstract void Apply(ReadOnlySpan<float> x, float y, Span<float> d);
    /// <summary><c>d[i] = x ∘ y[i]</c>.</summary>
    static abstract void Apply(float x, ReadOnlySpan<float> y, Span<float> d);
}

/// <summary>A binary op that also folds a whole span into one value (a reduction), starting from its identity.</summary>
internal interface IFoldOp : IBinaryOp
{
    /// <summary>The value that leaves every element unchanged: 0 for +, −∞ for max, +∞ for min.</summary>
    static abstract float Identity { get; }
    /// <summary><c>x[0] ∘ x[1] ∘ … ∘ x[n−1]</c> for a non-empty span.</summary>
    static abstract float Fold(ReadOnlySpan<float> x);
}

internal readonly struct AddOp : IFoldOp
{
    public static float Identity => 0f;
    public static float Fold(ReadOnlySpan<float> x) => TensorPrimitives.Sum(x);
    public static float Apply(float x, float y) => x + y;
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(y, x, d);
}

internal readonly struct SubtractOp : IBinaryOp
{
    public static float Apply(float x, float y) => x - y;
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
}

internal readonly struct MultiplyOp : IBinaryOp
{
    public static float Apply(float x, float y) => x * y;
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(y, x, d);
}

internal readonly struct DivideOp : IBinaryOp
{
    public static float Apply(float x, float y) => x / y;
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
}

/// <summary>max(x, y), NaN if either is NaN (NumPy's <c>maximum</c>).</summary>
internal readonly struct MaximumOp : IFoldOp
{
    public static float Identity => float.NegativeInfinity;
    public static float Fold(ReadOnlySpan<float> x) => TensorPrimitives.Max(x);
    public static float Apply(float x, float y) => MathF.Max(x, y);
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(x, y, d);
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Max(x, y, d);
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(y, x, d);
}

/// <summary>min(x, y), NaN if either is NaN (NumPy's <c>minimum</c>).</summary>
internal readonly struct MinimumOp : IFoldOp
{
    public static float Identity => float.PositiveInfinity;
    public static float Fold(ReadOnlySpan<float> x) => TensorPrimitives.Min(x);
    public static float Apply(float x, float y) => MathF.Min(x, y);
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(x, y, d);
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Min(x, y, d);
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(y, x, d);
}

internal readonly struct PowOp : IBinaryOp
{
    public static float Apply(float x, float y) => MathF.Pow(x, y);
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Pow(x, y, d);
    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Pow(x, y, d);
    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Pow(x, y, d);
}

/// <summary>A comparison giving 1 where it holds and 0 elsewhere (NaN compares false, except ≠).</summary>
internal interface ICompareOp
{
    static abstract bool Holds(float x, float y);
    static abstract Vector256<float> Mask(Vector256<float> x, Vector256<float> y);
}

internal readonly struct Compare<TCmp> : IBinaryOp where TCmp : struct, ICompareOp
{
    public static float Apply(float x, float y) => TCmp.Holds(x, y) ? 1f : 0f;

    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float px = ref MemoryMarshal.GetReference(x);
            ref float py = ref MemoryMarshal.GetReference(y);
            ref float pd = ref MemoryMarshal.GetReference(d);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var mask = TCmp.Mask(Vector256.LoadUnsafe(ref px, (nuint)i), Vector256.LoadUnsafe(ref py, (nuint)i));
                (mask & Vector256<float>.One).StoreUnsafe(ref pd, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
            d[i] = Apply(x[i], y[i]);
    }

    public static void Apply(ReadOnlySpan<float> x, float y, Span<float> d)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float px = ref MemoryMarshal.GetReference(x);
            ref float pd = ref MemoryMarshal.GetReference(d);
            var vy = Vector256.Create(y);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                (TCmp.Mask(Vector256.LoadUnsafe(ref px, (nuint)i), vy) & Vector256<float>.One).StoreUnsafe(ref pd, (nuint)i);
        }
        for (; i < x.Length; i++)
            d[i] = Apply(x[i], y);
    }

    public static void Apply(float x, ReadOnlySpan<float> y, Span<float> d)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float py = ref MemoryMarshal.GetReference(y);
            ref float pd = ref MemoryMarshal.GetReference(d);
            var vx = Vector256.Create(x);
            for (; i <= y.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                (TCmp.Mask(vx, Vector256.LoadUnsafe(ref py, (nuint)i)) & Vector256<float>.One).StoreUnsafe(ref pd, (nuint)i);
        }
        for (; i < y.Length; i++)
            d[i] = Apply(x, y[i]);
    }
}

internal readonly struct GreaterCmp : ICompareOp
{
    public static bool Holds(float x, float y) => x > y;
    public static Vector256<float> Mask(Vector256<float> x, Vector256<float> y) => Vector256.GreaterThan(x, y);
}

internal readonly struct GreaterEqualCmp : ICompareOp
{
    public static bool Holds(float x, float y) => x >= y;
    public static Vector256<float> Mask(Vector256<float> x, Vector256<float> y) => Vector256.GreaterThanOrEqual(x, y);
}

internal readonly struct LessCmp : ICompareOp
{
    public static bool Holds(float x, float y) => x < y;
    public static Vector256<float> Mask(Vector256<float> x, Vector256<float> y) => Vector256.LessThan(x, y);
}

internal readonly struct LessEqualCmp : ICompareOp
{
    public static bool Holds(float x, float y) => x <= y;
    public static Vector256<float> Mask(Vector256<float> x, Vector256<float> y) => Vector256.LessThanOrEqual(x, y);
}

internal readonly struct EqualCmp : ICompareOp
{
    public static bool Holds(float x, float y) => x == y;
    public static Vector256<float> Mask(Vector256<float> x, Vector256<float> y) => Vector256.Equals(x, y);
}

internal readonly struct NotEqualCmp : ICompareOp
{
    public static bool Holds(float x, float y) => x != y;
    public static Vector256<float> Mask(Vector256<float> x, Vector256<float> y) => ~Vector256.Equals(x, y);
}
