using Scratch.Tensors.Kernels;

namespace Scratch.Tensors;

public sealed partial class NDArray
{
    /// <summary>
    /// The book's <c>im2col</c>: every (FH, FW) window of <paramref name="x"/> as one row,
    /// so a convolution becomes <c>Im2Col(x) · W_colᵀ</c>.
    /// </summary>
    /// <remarks>
    /// x: (N, C, H, W). Result: (N·OH·OW, C·FH·FW) with OH = (H + 2·pad − FH)/stride + 1 and likewise OW;
    /// row (n, oh, ow), column (c, fy, fx); zero padding.
    /// Writes into <paramref name="into"/> (contiguous, of the result's shape) when given, so a layer can reuse its buffer.
    /// </remarks>
    public static NDArray Im2Col(NDArray x, int filterH, int filterW, int stride = 1, int pad = 0, NDArray? into = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var g = Geometry("Im2Col", "x", x._shape, filterH, filterW, stride, pad);
        int[] colShape = [g.N * g.OH * g.OW, g.ColWidth];
        NDArray col = into is null ? Uninitialized(colShape) : CheckContiguousInto("Im2Col", into, colShape);
        NDArray source = x.Contiguous();
        PerImage(g, col.Size, n => Im2ColKernel.Im2ColImage(source.ContiguousSpan, col.ContiguousSpan, g, n));
        return col;
    }

    /// <summary>The book's <c>col2im</c>: the adjoint of <see cref="Im2Col"/>, summing every window entry back onto its pixel.</summary>
    /// <remarks>col: (N·OH·OW, C·FH·FW); <paramref name="inputShape"/>: (N, C, H, W), the shape of the result (or of <paramref name="into"/>, contiguous, when given).</remarks>
    public static NDArray Col2Im(NDArray col, ReadOnlySpan<int> inputShape, int filterH, int filterW, int stride = 1, int pad = 0, NDArray? into = null)
    {
        ArgumentNullException.ThrowIfNull(col);
        var g = Geometry("Col2Im", "inputShape", inputShape, filterH, filterW, stride, pad);
        CheckColumns("Col2Im", "col", col, [g.N * g.OH * g.OW, g.ColWidth], inputShape, g);
        NDArray x = into is null ? Uninitialized(inputShape.ToArray()) : CheckContiguousInto("Col2Im", into, inputShape);
        NDArray source = col.Contiguous();
        PerImage(g, col.Size, n => Im2ColKernel.Col2ImImage(source.ContiguousSpan, x.ContiguousSpan, g, n));
        return x;
    }

    /// <summary>PyTorch's <c>unfold</c>: every image's im2col matrix transposed, so row (c, fy, fx) holds what that filter tap sees at each output pixel.</summary>
    /// <remarks>
    /// x: (N, C, H, W). Result: (N, C·FH·FW, OH·OW), i.e. <c>Im2Col(x).Reshape(N, OH·OW, −1).Transpose(0, 2, 1)</c> laid out
    /// contiguously; a convolution is then <c>W_col · Unfold(x)[n]</c> per image, already in (FN, OH·OW) order.
    /// Writes into <paramref name="into"/> (contiguous) when given.
    /// </remarks>
    public static NDArray Unfold(NDArray x, int filterH, int filterW, int stride = 1, int pad = 0, NDArray? into = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var g = Geometry("Unfold", "x", x._shape, filterH, filterW, stride, pad);
        int[] shape = [g.N, g.ColWidth, g.OH * g.OW];
        NDArray cols = into is null ? Uninitialized(shape) : CheckContiguousInto("Unfold", into, shape);
        NDArray source = x.Contiguous();
        PerImage(g, cols.Size, n => UnfoldKernel.UnfoldImage(source.ContiguousSpan, cols.ContiguousSpan, g, n));
        return cols;
    }

    /// <summary>PyTorch's <c>fold</c>: the adjoint of <see cref="Unfold"/>, summing every tap back onto the pixel it read.</summary>
    /// <remarks>cols: (N, C·FH·FW, OH·OW); <paramref name="inputShape"/>: (N, C, H, W), the result's shape (or <paramref name="into"/>'s, contiguous).</remarks>
    public static NDArray Fold(NDArray cols, ReadOnlySpan<int> inputShape, int filterH, int filterW, int stride = 1, int pad = 0, NDArray? into = null)
    {
        ArgumentNullException.ThrowIfNull(cols);
        var g = Geometry("Fold", "inputShape", inputShape, filterH, filterW, stride, pad);
        CheckColumns("Fold", "cols", cols, [g.N, g.ColWidth, g.OH * g.OW], inputShape, g);
        NDArray x = into is null ? Uninitialized(inputShape.ToArray()) : CheckContiguousInto("Fold", into, inputShape);
        NDArray source = cols.Contiguous();
        PerImage(g, cols.Size, n => UnfoldKernel.FoldImage(source.ContiguousSpan, x.ContiguousSpan, g, n));
        return x;
    }

    private static NDArray CheckContiguousInto(string op, NDArray into, ReadOnlySpan<int> shape)
    {
        CheckInto(op, into, shape);
        if (!into.IsContiguous)
            throw new ArgumentException($"{op}: into {Shapes.Format(shape)} must be contiguous.", nameof(into));
        return into;
    }

    /// <summary>Runs <paramref name="image"/> for every n, on several threads when the work is large (images are independent, so the result is the same).</summary>
    private static void PerImage(ConvGeometry g, int work, Action<int> image)
    {
        if (work < 1 << 18 || g.N == 1)
            for (int n = 0; n < g.N; n++) image(n);
        else
            Parallel.For(0, g.N, image);
    }

    /// <summary>Throws unless <paramref name="cols"/> has the <paramref name="expected"/> shape for this input and filter.</summary>
    private static void CheckColumns(string op, string name, NDArray cols, ReadOnlySpan<int> expected, ReadOnlySpan<int> inputShape, ConvGeometry g)
    {
        if (!cols._shape.AsSpan().SequenceEqual(expected))
            throw new ArgumentException($"{op}: expected {name} {Shapes.Format(expected)} for input {Shapes.Format(inputShape)} with filter ({g.FH}, {g.FW}), stride {g.Stride}, pad {g.Pad}; got {Shapes.Format(cols._shape)}.", name);
    }

    /// <summary>The window geometry over an (N, C, H, W) <paramref name="shape"/>, or ArgumentException naming <paramref name="op"/> and <paramref name="name"/>.</summary>
    private static ConvGeometry Geometry(string op, string name, ReadOnlySpan<int> shape, int filterH, int filterW, int stride, int pad)
    {
        if (shape.Length != 4)
            throw new ArgumentException($"{op}: expected {name} (N, C, H, W), got {Shapes.Format(shape)}.", name);
        Shapes.Validate(op, shape);
        if (filterH <= 0 || filterW <= 0 || stride <= 0 || pad < 0)
            throw new ArgumentException($"{op}: filter ({filterH}, {filterW}) and stride {stride} must be positive and pad {pad} ≥ 0.");
        var g = new ConvGeometry(shape[0], shape[1], shape[2], shape[3], filterH, filterW, stride, pad);
        if (shape[2] + 2 * pad < filterH || shape[3] + 2 * pad < filterW)
            throw new ArgumentException($"{op}: filter ({filterH}, {filterW}) is larger than the padded input {Shapes.Format(shape)} with pad {pad}.");
        return g;
    }
}
