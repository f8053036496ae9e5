using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>The checks every layer repeats: saved state present, shapes as expected, scratch buffers reused.</summary>
internal static class Guard
{
    /// <summary>The value <c>Forward</c> saved for <c>Backward</c>, or <see cref="InvalidOperationException"/> naming the layer.</summary>
    public static T Saved<T>(T? value, string layer) where T : class =>
        value ?? throw new InvalidOperationException($"{layer}.Backward called before {layer}.Forward.");

    /// <summary>Throws <see cref="ArgumentException"/> <c>"{op}: {name} (…) does not match {expectedName} (…)."</c> unless the shapes are equal.</summary>
    public static void SameShape(string op, string name, NDArray actual, string expectedName, ReadOnlySpan<int> expected)
    {
        if (!actual.Shape.AsSpan().SequenceEqual(expected))
            throw new ArgumentException($"{op}: {name} {Shape.Format(actual.Shape)} does not match {expectedName} {Shape.Format(expected)}.", name);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="x"/> has rank <paramref name="rank"/>.</summary>
    public static void Rank(string op, string name, NDArray x, int rank, string expected)
    {
        if (x.Rank != rank)
            throw new ArgumentException($"{op}: expected {name} {expected}, got {Shape.Format(x.Shape)}.", name);
    }

    /// <summary><paramref name="buffer"/> when it already has <paramref name="shape"/>, else a new zeroed array of that shape (kept in <paramref name="buffer"/>).</summary>
    /// <remarks>For a layer's private scratch only: never hand a buffer to the caller, since the next call overwrites it.</remarks>
    public static NDArray Reuse(ref NDArray? buffer, params int[] shape)
    {
        if (buffer is null || !buffer.Shape.AsSpan().SequenceEqual(shape))
            buffer = NDArray.Zeros(shape);
        return buffer;
    }
}
