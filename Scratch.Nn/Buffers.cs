using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>
/// A layer's training buffers: each one is allocated when the batch shape first appears and reused while it
/// repeats, so a training step allocates nothing once warm. The checks compare axis lengths one by one
/// (<see cref="NDArray.Shape"/> would copy the shape).
/// </summary>
internal static class Buffers
{
    /// <summary><paramref name="buffer"/> when it is (d0), else a new zeroed one kept in it.</summary>
    public static NDArray For(ref NDArray? buffer, int d0)
    {
        if (buffer is null || buffer.Rank != 1 || buffer.Dim(0) != d0)
            buffer = NDArray.Zeros(d0);
        return buffer;
    }

    /// <summary><paramref name="buffer"/> when it is (d0, d1), else a new zeroed one kept in it.</summary>
    public static NDArray For(ref NDArray? buffer, int d0, int d1)
    {
        if (buffer is null || buffer.Rank != 2 || buffer.Dim(0) != d0 || buffer.Dim(1) != d1)
            buffer = NDArray.Zeros(d0, d1);
        return buffer;
    }

    /// <summary><paramref name="buffer"/> when it is (d0, d1, d2, d3), else a new zeroed one kept in it.</summary>
    public static NDArray For(ref NDArray? buffer, int d0, int d1, int d2, int d3)
    {
        if (buffer is null || buffer.Rank != 4 || buffer.Dim(0) != d0 || buffer.Dim(1) != d1 || buffer.Dim(2) != d2 || buffer.Dim(3) != d3)
            buffer = NDArray.Zeros(d0, d1, d2, d3);
        return buffer;
    }

    /// <summary><paramref name="buffer"/> when it has <paramref name="like"/>'s shape, else a new zeroed one kept in it.</summary>
    public static NDArray Like(ref NDArray? buffer, NDArray like)
    {
        if (buffer is null || !SameShape(buffer, like))
            buffer = NDArray.Zeros(like.Shape);
        return buffer;
    }

    /// <summary><paramref name="buffer"/> when it holds at least <paramref name="length"/> elements, else a new one (a flat scratch area).</summary>
    public static float[] AtLeast(ref float[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
            buffer = new float[length];
        return buffer;
    }

    /// <summary><paramref name="buffer"/> when it holds exactly <paramref name="length"/> elements, else a new one.</summary>
    public static int[] Exactly(ref int[]? buffer, int length)
    {
        if (buffer is null || buffer.Length != length)
            buffer = new int[length];
        return buffer;
    }

    /// <summary>A view of <paramref name="x"/> with <paramref name="like"/>'s shape, made once and kept in <paramref name="view"/> while x is the same array (views cost an allocation each).</summary>
    public static NDArray ReshapedLike(ref NDArray? view, ref NDArray? source, NDArray x, NDArray like)
    {
        if (view is null || !ReferenceEquals(source, x) || !SameShape(view, like))
        {
            view = x.Reshape(like.Shape);
            source = x;
        }
        return view;
    }

    /// <summary>Whether a and b have the same shape, without copying either.</summary>
    public static bool SameShape(NDArray a, NDArray b)
    {
        if (a.Rank != b.Rank) return false;
        for (int i = 0; i < a.Rank; i++)
            if (a.Dim(i) != b.Dim(i)) return false;
        return true;
    }

    /// <summary>The elements of a contiguous array as memory (for kernels that share work among threads).</summary>
    public static Memory<float> Memory(NDArray a) => new(a.Storage, a.Offset, a.Size);

    /// <summary>The elements of a contiguous array as a span.</summary>
    public static Span<float> Span(NDArray a) => a.Storage.AsSpan(a.Offset, a.Size);
}
