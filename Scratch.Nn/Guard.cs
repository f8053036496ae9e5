using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>The checks every layer repeats: saved state present, shapes as expected.</summary>
internal static class Guard
{
    /// <summary>The value <c>Forward</c> saved for <c>Backward</c>, or <see cref="InvalidOperationException"/> naming the layer.</summary>
    public static T Saved<T>(T? value, string layer) where T : class =>
        value ?? throw new InvalidOperationException($"{layer}.Backward called before {layer}.Forward.");

    /// <summary>Throws <see cref="ArgumentException"/> <c>"{op}: {name} (…) does not match {expectedName} (…)."</c> unless the shapes are equal.</summary>
    public static void SameShape(string op, string name, NDArray actual, string expectedName, ReadOnlySpan<int> expected)
    {
        bool same = actual.Rank == expected.Length;
        for (int i = 0; same && i < expected.Length; i++)
            same = actual.Dim(i) == expected[i];
        if (!same)
            throw new ArgumentException($"{op}: {name} {Shapes.Format(actual.Shape)} does not match {expectedName} {Shapes.Format(expected)}.", name);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="x"/> has rank <paramref name="rank"/>.</summary>
    public static void Rank(string op, string name, NDArray x, int rank, string expected)
    {
        if (x.Rank != rank)
            throw new ArgumentException($"{op}: expected {name} {expected}, got {Shapes.Format(x.Shape)}.", name);
    }
}
