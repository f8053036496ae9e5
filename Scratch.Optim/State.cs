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

    /// <summary>A copy of <paramref name="p"/>'s array in <paramref name="table"/> under <paramref name="slot"/>, or nothing before its first update.</summary>
    public static IReadOnlyDictionary<string, float[]> Get(Dictionary<Parameter, float[]> table, Parameter p, string slot) =>
        table.TryGetValue(p, out float[]? values) ? new Dictionary<string, float[]> { [slot] = (float[])values.Clone() } : new Dictionary<string, float[]>();

    /// <summary>Sets <paramref name="p"/>'s array in <paramref name="table"/> from <paramref name="state"/>[<paramref name="slot"/>] (an empty state clears it).</summary>
    public static void Set(string owner, Dictionary<Parameter, float[]> table, Parameter p, IReadOnlyDictionary<string, float[]> state, string slot)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Count == 0)
        {
            table.Remove(p);
            return;
        }
        table[p] = Slot(owner, p, state, slot, p.Value.Size);
    }

    /// <summary>A copy of <paramref name="state"/>[<paramref name="slot"/>], checked to hold <paramref name="length"/> values.</summary>
    public static float[] Slot(string owner, Parameter p, IReadOnlyDictionary<string, float[]> state, string slot, int length)
    {
        if (!state.TryGetValue(slot, out float[]? values))
            throw new ArgumentException($"{owner}.SetState: parameter '{p.Name}' state lacks '{slot}'; it has {string.Join(", ", state.Keys)}.", nameof(state));
        if (values.Length != length)
            throw new ArgumentException($"{owner}.SetState: parameter '{p.Name}' state '{slot}' holds {values.Length} values, expected {length}.", nameof(state));
        return (float[])values.Clone();
    }
}
