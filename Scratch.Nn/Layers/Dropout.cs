using System.Globalization;
using System.Numerics.Tensors;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Dropout: in training, <c>out = x·mask</c> (Book) or <c>x·mask/(1 − p)</c> (Modern) with <c>mask = rand &gt; p</c>; at test time <c>x·(1 − p)</c> (Book) or <c>x</c> (Modern).</summary>
/// <remarks>
/// x: any shape; out: the same shape. p is <see cref="DropoutRatio"/>. Both conventions have the same expected
/// output: the book scales at test time, Modern ("inverted dropout", PyTorch's) scales during training so that
/// inference is the identity. A new mask is drawn at every training Forward from <see cref="Random"/>, in the
/// order of NumPy's <c>np.random.rand(*x.shape) &gt; self.dropout_ratio</c>: the same seed gives the same mask as the book.
/// </remarks>
public sealed class Dropout : ILayer, IStatelessInference
{
    private readonly double _ratio;   // p as the decimal the user wrote (0.3f → 0.3), compared in double as NumPy does
    // The memory of a training step, each buffer reused while the batch shape repeats:
    private NDArray? _mask;           // mask, or mask/(1 − p) in Modern: the factor Backward applies
    private NDArray? _out;            // x's shape, Forward's result; valid until the next Forward
    private NDArray? _dx;             // x's shape, Backward's result; valid until the next Backward
    private bool? _training;          // the last Forward's mode; null before any Forward

    /// <summary>A dropout layer dropping each element with probability <paramref name="dropoutRatio"/>.</summary>
    /// <param name="dropoutRatio">p in [0, 1).</param>
    /// <param name="semantics">Where the 1/(1 − p) correction goes; see <see cref="Nn.Semantics"/>.</param>
    /// <param name="random">The mask source; by default a fresh <c>RandomState(0)</c>, so runs repeat.</param>
    public Dropout(float dropoutRatio = 0.5f, Semantics semantics = Semantics.Modern, RandomState? random = null)
    {
        if (!(dropoutRatio >= 0f && dropoutRatio < 1f))
            throw new ArgumentOutOfRangeException(nameof(dropoutRatio), dropoutRatio, $"Dropout: dropoutRatio must be in [0, 1), got {dropoutRatio}.");
        DropoutRatio = dropoutRatio;
        Semantics = semantics;
        Random = random ?? new RandomState(0);
        _ratio = double.Parse(dropoutRatio.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>p: the probability that an element is dropped.</summary>
    public float DropoutRatio { get; }

    /// <summary>Book or Modern scaling.</summary>
    public Semantics Semantics { get; }

    /// <summary>The generator the masks are drawn from (reseed it to repeat a mask).</summary>
    /// <remarks>Its state is read and restored with <see cref="RandomState.GetState"/> and <see cref="RandomState.SetState"/>:
    /// saved with a checkpoint and restored into a rebuilt layer, the next masks are the ones the original layer would draw.</remarks>
    public RandomState Random { get; }

    /// <summary>The last training mask as applied: 0 or 1 (Book), 0 or 1/(1 − p) (Modern); null before the first training Forward.</summary>
    public NDArray? Mask => _mask;

    /// <inheritdoc/>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Training: <c>out = x·mask</c> (Book) or <c>x·mask/(1 − p)</c> (Modern). Test: <c>x·(1 − p)</c> (Book) or <c>x</c> (Modern).</summary>
    /// <remarks>x: any shape. Result: x's shape, owned by the layer (also at test time in Modern: a copy of x).</remarks>
    public NDArray Forward(NDArray x, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = x.Contiguous();
        _training = training;
        NDArray output = Buffers.Like(ref _out, x);
        if (!training)
        {
            TestTimeScale(Buffers.Span(x), Buffers.Span(output));
            return output;
        }
        NDArray mask = Buffers.Like(ref _mask, x);
        float keep = Semantics == Semantics.Book ? 1f : 1f / (1f - DropoutRatio);
        Tensors.Kernels.Dropout.Forward(Buffers.Span(x), Buffers.Span(mask), Buffers.Span(output), Random, _ratio, keep);   // mask = rand > p, out = x·mask
        return output;
    }

    /// <summary><c>dx = dout·mask</c> (Book) or <c>dout·mask/(1 − p)</c> (Modern), the mask of the last training Forward.</summary>
    /// <remarks>
    /// dout: out's shape, never modified. Result: x's shape, owned by the layer. After a test-mode Forward the layer was a
    /// constant scaling, so dx = dout·(1 − p) (Book) or dout (Modern).
    /// </remarks>
    public NDArray Backward(NDArray dout)
    {
        bool training = _training ?? throw new InvalidOperationException("Dropout.Backward called before Dropout.Forward.");
        ArgumentNullException.ThrowIfNull(dout);
        NDArray output = _out!;
        if (!Buffers.SameShape(dout, output))
            throw new ArgumentException($"Dropout.Backward: dout {Shapes.Format(dout.Shape)} does not match out {Shapes.Format(output.Shape)}.", nameof(dout));
        dout = dout.Contiguous();
        NDArray dx = Buffers.Like(ref _dx, output);
        if (training)
            TensorPrimitives.Multiply(Buffers.Span(dout), Buffers.Span(_mask!), Buffers.Span(dx));   // dx = dout·mask
        else
            TestTimeScale(Buffers.Span(dout), Buffers.Span(dx));
        return dx;
    }

    /// <inheritdoc/>
    public NDArray Infer(NDArray x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Semantics == Semantics.Book ? x * (1f - DropoutRatio) : x.Clone();
    }

    /// <summary>The test-time map: <c>y = x·(1 − p)</c> (Book) or <c>y = x</c> (Modern).</summary>
    private void TestTimeScale(ReadOnlySpan<float> x, Span<float> y)
    {
        if (Semantics == Semantics.Book)
            TensorPrimitives.Multiply(x, 1f - DropoutRatio, y);
        else
            x.CopyTo(y);
    }
}
