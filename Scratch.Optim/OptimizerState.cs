namespace Scratch.Optim;

/// <summary>One parameter's optimizer state: the arrays its rule keeps (one float per weight each) and its step count <c>t</c>.</summary>
/// <remarks>Created by <see cref="Optimizer"/> on the parameter's first update, with every array zeroed and <c>t</c> = 0.</remarks>
public sealed class OptimizerState
{
    private readonly float[][] _arrays;

    internal OptimizerState(float[][] arrays) => _arrays = arrays;

    /// <summary>The array named <c>slots[<paramref name="slot"/>]</c> in the optimizer's constructor (Adam: 0 is <c>m</c>, 1 is <c>v</c>).</summary>
    public Span<float> this[int slot] => _arrays[slot];

    /// <summary><c>t</c>: the updates this parameter took part in, counting the one in progress.</summary>
    public int Steps { get; internal set; }
}
