using System.Numerics.Tensors;

namespace Scratch.Tensors.Kernels;

/// <summary>An elementwise function of one operand, with a scalar form (the reference) and a span form.</summary>
internal interface IUnaryOp
{
    static abstract float Apply(float x);
    /// <summary><c>d[i] = f(x[i])</c>.</summary>
    static abstract void Apply(ReadOnlySpan<float> x, Span<float> d);
}

internal readonly struct ExpOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Exp(x);
    public static void Apply(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Exp(x, d);
}

internal readonly struct LogOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Log(x);
    public static void Apply(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Log(x, d);
}

internal readonly struct SqrtOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Sqrt(x);
    public static void Apply(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sqrt(x, d);
}

internal readonly struct AbsOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Abs(x);
    public static void Apply(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Abs(x, d);
}

internal readonly struct NegateOp : IUnaryOp
{
    public static float Apply(float x) => -x;
    public static void Apply(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Negate(x, d);
}

internal readonly struct SquareOp : IUnaryOp
{
    public static float Apply(float x) => x * x;
    public static void Apply(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Multiply(x, x, d);
}

internal readonly struct TanhOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Tanh(x);
    public static void Apply(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Tanh(x, d);
}

/// <summary>1 / (1 + e^−x)</summary>
internal readonly struct SigmoidOp : IUnaryOp
{
    public static float Apply(float x) => 1f / (1f + MathF.Exp(-x));
    public static void Apply(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sigmoid(x, d);
}

/// <summary>max(x, 0); NaN stays NaN.</summary>
internal readonly struct ReluOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Max(x, 0f);
    public static void Apply(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Max(x, 0f, d);
}

/// <summary>A copy: the identity function, used to gather a strided view into contiguous storage.</summary>
internal readonly struct CopyOp : IUnaryOp
{
    public static float Apply(float x) => x;
    public static void Apply(ReadOnlySpan<float> x, Span<float> d) => x.CopyTo(d);
}
