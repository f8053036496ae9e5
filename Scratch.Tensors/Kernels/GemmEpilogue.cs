namespace Scratch.Tensors.Kernels;

/// <summary>The fused store of a GEMM: <c>C[i, j] = relu?(P[i, j] + (columnBias[j] + rowBias[i]))</c>, P the (accumulated) product.</summary>
/// <remarks>
/// An empty bias span stands for zeros, so with one bias kind the sum is exactly <c>P + bias</c>. ReLU is
/// <c>MathF.Max(x, 0)</c> (NaN stays NaN), as the vector path's <c>Vector512.Max</c>. The row form here serves
/// the Naive and Vectorized kernels and the edge tiles of Blocked; Blocked's micro-kernels apply the same
/// arithmetic in registers.
/// </remarks>
internal static class GemmEpilogue
{
    /// <summary><c>x + (columnBias[j] + rowBias[i])</c>, then <c>max(·, 0)</c> when <paramref name="relu"/>.</summary>
    public static float Apply(float x, ReadOnlySpan<float> rowBias, int i, ReadOnlySpan<float> columnBias, int j, bool relu)
    {
        float bias = (columnBias.IsEmpty ? 0f : columnBias[j]) + (rowBias.IsEmpty ? 0f : rowBias[i]);
        float y = x + bias;
        return relu ? MathF.Max(y, 0f) : y;
    }

    /// <summary>Applies the epilogue to row <paramref name="i"/> of C, whose product is already stored.</summary>
    public static void ApplyRow(Span<float> cRow, ReadOnlySpan<float> rowBias, int i, ReadOnlySpan<float> columnBias, bool relu)
    {
        for (int j = 0; j < cRow.Length; j++)
            cRow[j] = Apply(cRow[j], rowBias, i, columnBias, j, relu);
    }

    /// <summary>Whether an epilogue does anything: a bias or ReLU is present.</summary>
    public static bool IsPresent(ReadOnlySpan<float> rowBias, ReadOnlySpan<float> columnBias, bool relu)
        => relu || !rowBias.IsEmpty || !columnBias.IsEmpty;
}
