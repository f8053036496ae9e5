using System.Numerics.Tensors;

namespace Scratch.Tensors.Kernels;

/// <summary>A layer's bias on a (rows, cols) span: the store <c>y = relu?(y + b)</c> and the gradients <c>db = Σ_rows dout</c> (per column) or <c>Σ_cols</c> (per row). Each has a <c>Naive</c> twin.</summary>
public static class Bias
{
    /// <summary><c>y[r, j] = y[r, j] + bias[j]</c> for every row r, then <c>max(·, 0)</c> when <paramref name="relu"/>.</summary>
    public static void AddToRows(Span<float> y, int rows, int cols, ReadOnlySpan<float> bias, bool relu)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = y.Slice(r * cols, cols);
            TensorPrimitives.Add(row, bias, row);
            if (relu) TensorPrimitives.Max(row, 0f, row);
        }
    }

    /// <summary><c>sum[j] = Σ_r x[r, j]</c>, rows added in order.</summary>
    public static void SumRows(ReadOnlySpan<float> x, int rows, int cols, Span<float> sum)
    {
        sum[..cols].Clear();
        for (int r = 0; r < rows; r++)
            TensorPrimitives.Add(x.Slice(r * cols, cols), sum, sum);
    }

    /// <summary><c>sum[r] = Σ_j x[r, j]</c>: a convolution's <c>db</c> from dout in (FN, N·P) order.</summary>
    public static void SumEachRow(ReadOnlySpan<float> x, int rows, int cols, Span<float> sum)
    {
        for (int r = 0; r < rows; r++)
            sum[r] = TensorPrimitives.Sum(x.Slice(r * cols, cols));
    }

    /// <summary>The reference of <see cref="AddToRows"/>: a scalar loop.</summary>
    public static void AddToRowsNaive(Span<float> y, int rows, int cols, ReadOnlySpan<float> bias, bool relu)
    {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
            {
                float v = y[r * cols + j] + bias[j];
                y[r * cols + j] = relu ? MathF.Max(v, 0f) : v;
            }
    }

    /// <summary>The reference of <see cref="SumRows"/>: a scalar loop.</summary>
    public static void SumRowsNaive(ReadOnlySpan<float> x, int rows, int cols, Span<float> sum)
    {
        for (int j = 0; j < cols; j++)
        {
            float s = 0f;
            for (int r = 0; r < rows; r++) s += x[r * cols + j];
            sum[j] = s;
        }
    }

    /// <summary>The reference of <see cref="SumEachRow"/>: a scalar loop in double.</summary>
    public static void SumEachRowNaive(ReadOnlySpan<float> x, int rows, int cols, Span<float> sum)
    {
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            for (int j = 0; j < cols; j++) s += x[r * cols + j];
            sum[r] = (float)s;
        }
    }
}
