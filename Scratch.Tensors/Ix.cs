namespace Scratch.Tensors;

/// <summary>
/// One entry of a NumPy-style index <c>x[…]</c>: an integer (drops the axis), a range with an optional step
/// (keeps the axis), <see cref="NewAxis"/> (inserts a length-1 axis) or <see cref="Ellipsis"/> (as many full
/// axes as needed).
/// </summary>
/// <remarks>
/// Converts implicitly from <c>int</c>, <see cref="System.Index"/> and <see cref="System.Range"/>, so C# writes
/// NumPy's indices directly:
/// <code>
/// NumPy            Scratch
/// x[1:3, :]        x[1..3, ..]
/// x[0, :]          x[0, ..]        (an integer drops the axis)
/// x[-1]            x[^1]
/// x[:, ::2]        x[.., Ix.Step(2)]
/// x[::-1]          x[Ix.Step(-1)]
/// x[1:7:3]         x[Ix.Step(1, 7, 3)]
/// x[None, :]       x[Ix.NewAxis, ..]
/// x[..., 0]        x[Ix.Ellipsis, 0]
/// </code>
/// Out-of-range range bounds are clipped, as in Python; an out-of-range integer throws.
/// </remarks>
public readonly struct Ix
{
    /// <summary>What an index entry does to its axis.</summary>
    public enum Kind
    {
        /// <summary>One position: the axis is dropped.</summary>
        Single,
        /// <summary>A slice <c>start:stop:step</c>: the axis is kept.</summary>
        Slice,
        /// <summary>A new axis of length 1 (NumPy's <c>None</c>).</summary>
        NewAxis,
        /// <summary>As many full slices as the remaining axes need (NumPy's <c>...</c>).</summary>
        Ellipsis,
    }

    private Ix(Kind kind, Index start, Index stop, int step, bool defaultStart = false, bool defaultStop = false)
    {
        Type = kind;
        Start = start;
        Stop = stop;
        StepSize = step;
        DefaultStart = defaultStart;
        DefaultStop = defaultStop;
    }

    /// <summary>What this entry does to its axis.</summary>
    public Kind Type { get; }

    /// <summary>The position (for <see cref="Kind.Single"/>) or the first position of the slice.</summary>
    public Index Start { get; }

    /// <summary>The end of the slice (exclusive).</summary>
    public Index Stop { get; }

    /// <summary>The step of the slice (never 0).</summary>
    public int StepSize { get; }

    private bool DefaultStart { get; }
    private bool DefaultStop { get; }

    /// <summary>NumPy's <c>None</c>: inserts a new axis of length 1.</summary>
    public static Ix NewAxis => new(Kind.NewAxis, default, default, 1);

    /// <summary>NumPy's <c>...</c>: as many full slices as the axes not otherwise indexed.</summary>
    public static Ix Ellipsis => new(Kind.Ellipsis, default, default, 1);

    /// <summary>Position <paramref name="index"/> (negative counts from the end): the axis is dropped.</summary>
    public static implicit operator Ix(int index) => new(Kind.Single, index < 0 ? Index.FromEnd(-index) : Index.FromStart(index), default, 1);

    /// <summary>Position <paramref name="index"/> (<c>^1</c> is the last): the axis is dropped.</summary>
    public static implicit operator Ix(Index index) => new(Kind.Single, index, default, 1);

    /// <summary>The slice <paramref name="range"/> with step 1 (<c>..</c> is the whole axis): the axis is kept.</summary>
    public static implicit operator Ix(Range range) => new(Kind.Slice, range.Start, range.End, 1);

    /// <summary>NumPy's <c>::step</c>: every <paramref name="step"/>-th element, from the end when the step is negative.</summary>
    public static Ix Step(int step) => Step(null, null, step);

    /// <summary>NumPy's <c>start:stop:step</c>: null bounds take Python's defaults (the whole axis in the step's direction); negative bounds count from the end.</summary>
    public static Ix Step(int? start, int? stop, int step)
    {
        if (step == 0)
            throw new ArgumentException("Ix.Step: step must not be 0.", nameof(step));
        static Index From(int? i) => i is int v ? (v < 0 ? Index.FromEnd(-v) : Index.FromStart(v)) : default;
        return new(Kind.Slice, From(start), From(stop), step, start is null, stop is null);
    }

    /// <summary>The elements of <paramref name="range"/> taken every <paramref name="step"/> (a positive step).</summary>
    public static Ix Step(Range range, int step)
    {
        if (step <= 0)
            throw new ArgumentException($"Ix.Step: a range takes a positive step, got {step}; use Ix.Step(start, stop, step) for a negative one.", nameof(step));
        return new(Kind.Slice, range.Start, range.End, step);
    }

    /// <summary>The slice's first position and element count on an axis of <paramref name="length"/> (Python's <c>slice.indices</c>, clipped).</summary>
    internal (int Begin, int Count) Resolve(int length)
    {
        int step = StepSize;
        int begin, end;
        if (step > 0)
        {
            begin = DefaultStart ? 0 : Math.Clamp(Offset(Start, length), 0, length);
            end = DefaultStop ? length : Math.Clamp(Offset(Stop, length), 0, length);
            return (begin, Math.Max(0, (end - begin + step - 1) / step));
        }
        begin = DefaultStart ? length - 1 : Math.Clamp(Offset(Start, length), -1, length - 1);
        end = DefaultStop ? -1 : Math.Clamp(Offset(Stop, length), -1, length - 1);
        return (begin, Math.Max(0, (begin - end - step - 1) / -step));
    }

    /// <summary>An index's position on an axis of <paramref name="length"/> (may lie outside [0, length)).</summary>
    internal static int Offset(Index index, int length) => index.IsFromEnd ? length - index.Value : index.Value;

    /// <summary>The entry in NumPy's notation, e.g. <c>1:3</c>, <c>::-1</c>, <c>-1</c>.</summary>
    public override string ToString()
    {
        static string Bound(Index i) => i.IsFromEnd ? $"-{i.Value}" : $"{i.Value}";
        return Type switch
        {
            Kind.Single => Bound(Start),
            Kind.NewAxis => "None",
            Kind.Ellipsis => "...",
            _ => (DefaultStart ? "" : Bound(Start)) + ":" + (DefaultStop || Stop.Equals(Index.End) ? "" : Bound(Stop))
                 + (StepSize == 1 ? "" : $":{StepSize}"),
        };
    }
}
