using System.Runtime.InteropServices;

namespace Scratch.Optim;

/// <summary>Per-parameter optimizer state, keyed by the <see cref="Parameter"/> object itself (reference identity).</summary>
internal static class State
{
    public static Dictionary<Parameter, T> NewTable<T>() => new(ReferenceEqualityComparer.Instance);

    /// <summary>The state of <paramref name="p"/>, created by <paramref name="create"/> on its first update (the book's <c>np.zeros_like(val)</c>).</summary>
    public static T For<T>(Dictionary<Parameter, T> table, Parameter p, Func<Parameter, T> create)
    {
        ref T? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(table, p, out bool exists);
        if (!exists) slot = create(p);
        return slot!;
    }

    /// <summary>One zeroed float per element of the parameter's Value.</summary>
    public static float[] Zeros(Parameter p) => new float[p.Value.Size];
}
