using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// The ReLU layer's loops, one pass each: <c>y = max(x, 0)</c>, <c>dx = dout·(y &gt; 0)</c> (y &gt; 0 ⇔ x &gt; 0, so
/// the output is the only mask needed). Each has a <c>Naive</c> twin, the reference of the tests and benchmarks. Large arrays are cut among threads by
/// element ranges, which changes no result.
/// </summary>
public static class Relu
{
    /// <summary><c>y[i] = max(x[i], 0)</c>; NaN stays NaN.</summary>
    public static void Forward(ReadOnlyMemory<float> x, Memory<float> y) =>
        ParallelRange.For(Chunks(x.Length), new ForwardBody(x, y), 2L * x.Length);

    /// <summary><c>dx[i] = y[i] &gt; 0 ? dout[i] : 0</c>, with y the forward output.</summary>
    public static void Backward(ReadOnlyMemory<float> y, ReadOnlyMemory<float> dout, Memory<float> dx) =>
        ParallelRange.For(Chunks(y.Length), new BackwardBody(y, dout, dx), 3L * y.Length);

    /// <summary><c>y[i] = max(x[i], 0)</c> on one thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length)
            throw new ArgumentException($"Relu.Forward: y ({y.Length}) must hold x's {x.Length} elements.", nameof(y));
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float xs = ref MemoryMarshal.GetReference(x);
            ref float ys = ref MemoryMarshal.GetReference(y);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                Vector256.Max(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256<float>.Zero).StoreUnsafe(ref ys, (nuint)i);
        }
        for (; i < x.Length; i++)
            y[i] = MathF.Max(x[i], 0f);
    }

    /// <summary><c>dx[i] = y[i] &gt; 0 ? dout[i] : 0</c> on one thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dout, Span<float> dx)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float ys = ref MemoryMarshal.GetReference(y);
            ref float ds = ref MemoryMarshal.GetReference(dout);
            ref float dxs = ref MemoryMarshal.GetReference(dx);
            for (; i <= y.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> positive = Vector256.GreaterThan(Vector256.LoadUnsafe(ref ys, (nuint)i), Vector256<float>.Zero);
                (Vector256.LoadUnsafe(ref ds, (nuint)i) & positive).StoreUnsafe(ref dxs, (nuint)i);
            }
        }
        for (; i < y.Length; i++)   // tail: < 8 elements
            dx[i] = y[i] > 0f ? dout[i] : 0f;
    }

    /// <summary>The reference of <see cref="Forward(ReadOnlySpan{float}, Span{float})"/>: a scalar loop.</summary>
    public static void ForwardNaive(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
            y[i] = float.IsNaN(x[i]) ? x[i] : x[i] > 0f ? x[i] : 0f;
    }

    /// <summary>The reference of <see cref="Backward(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>: a scalar loop.</summary>
    public static void BackwardNaive(ReadOnlySpan<float> y, ReadOnlySpan<float> dout, Span<float> dx)
    {
        for (int i = 0; i < y.Length; i++)
            dx[i] = y[i] > 0f ? dout[i] : 0f;
    }

    /// <summary>Elementwise work is cut in blocks of 4096 elements (16 KB): the parts of a parallel loop are whole blocks.</summary>
    private const int Block = 4096;

    private static int Chunks(int length) => (length + Block - 1) / Block;

    private static (int Start, int Length) Elements(int from, int to, int length)
    {
        int start = from * Block;
        return (start, Math.Min(to * Block, length) - start);
    }

    private readonly struct ForwardBody(ReadOnlyMemory<float> x, Memory<float> y) : IRangeBody
    {
        public void Run(int from, int to)
        {
            var (start, length) = Elements(from, to, x.Length);
            Forward(x.Span.Slice(start, length), y.Span.Slice(start, length));
        }
    }

    private readonly struct BackwardBody(ReadOnlyMemory<float> y, ReadOnlyMemory<float> dout, Memory<float> dx) : IRangeBody
    {
        public void Run(int from, int to)
        {
            var (start, length) = Elements(from, to, y.Length);
            Backward(y.Span.Slice(start, length), dout.Span.Slice(start, length), dx.Span.Slice(start, length));
        }
    }
}
