namespace Scratch.Optim;

/// <summary>One parameter's optimizer state: the arrays its rule keeps (one float per weight each) and its step count <c>t</c>.</summary>
/// <remarks>
/// Created by <see cref="Optimizer"/> on the parameter's first update, with every array zeroed and <c>t</c> = 0. When an
/// elementwise rule updates a large parameter in blocks, each block's <c>Step</c> gets a view of the same state that shows
/// only the block's part of each array (the same elements as its slices of W and g); the view is valid during that call.
/// </remarks>
public sealed class OptimizerState
{
    private float[][] _arrays;
    private int _start, _length;   // the part of each array this state shows: [start, start + length)

    internal OptimizerState(float[][] arrays, int length) => (_arrays, _length) = (arrays, length);

    /// <summary>A block view, pointed at its state by <see cref="ShowBlock"/> before each use.</summary>
    internal OptimizerState() => _arrays = [];

    /// <summary>The array named <c>slots[<paramref name="slot"/>]</c> in the optimizer's constructor (Adam: 0 is <c>m</c>, 1 is <c>v</c>); in a block update, the block's part of it.</summary>
    public Span<float> this[int slot] => _arrays[slot].AsSpan(_start, _length);

    /// <summary><c>t</c>: the updates this parameter took part in, counting the one in progress.</summary>
    public int Steps { get; internal set; }

    /// <summary>Makes this view show elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) of <paramref name="whole"/>'s arrays, with its step count.</summary>
    internal void ShowBlock(OptimizerState whole, int start, int length)
    {
        (_arrays, _start, _length) = (whole._arrays, whole._start + start, length);
        Steps = whole.Steps;
    }

    /// <summary>Lets go of the arrays shown, so an idle view keeps no state alive.</summary>
    internal void Release() => (_arrays, _start, _length) = ([], 0, 0);
}
