using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// Batch normalization on a contiguous (N, C, P) span: channel c's statistics pool the M = N·P values
/// <c>x[n, c, p]</c>. The book's per-feature layer is P = 1 (C = D features), the per-channel layer of CNNs is
/// P = H·W. Sums run in double per plane (P &gt; 1) or in float across a row of features (P = 1). Each loop has a
/// <c>Naive</c> twin that follows the formulas element by element in double.
/// </summary>
public static class BatchNorm
{
    /// <summary><c>mean[c] = Σ x / M</c>, <c>variance[c] = Σ (x − mean)² / M</c> (population variance); <paramref name="scratch"/> (x's length) receives <c>x − mean</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Statistics(ReadOnlySpan<float> x, Span<float> mean, Span<float> variance, Span<float> scratch, int n, int c, int p)
    {
        double m = (double)n * p;
        if (p == 1)
        {
            mean[..c].Clear();
            variance[..c].Clear();
            for (int i = 0; i < n; i++)
                TensorPrimitives.Add(x.Slice(i * c, c), mean, mean);                    // Σ x
            TensorPrimitives.Multiply(mean, (float)(1.0 / m), mean);                     // μ = Σ x / M
            for (int i = 0; i < n; i++)
            {
                Span<float> centered = scratch.Slice(i * c, c);
                TensorPrimitives.Subtract(x.Slice(i * c, c), mean, centered);            // x − μ
                TensorPrimitives.MultiplyAdd(centered, centered, variance, variance);    // Σ (x − μ)²
            }
            TensorPrimitives.Multiply(variance, (float)(1.0 / m), variance);             // σ² = Σ (x − μ)² / M
            return;
        }
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += TensorPrimitives.Sum(x.Slice((i * c + ch) * p, p));
            float mu = mean[ch] = (float)(sum / m);
            double squares = 0;
            for (int i = 0; i < n; i++)
            {
                Span<float> centered = scratch.Slice((i * c + ch) * p, p);
                TensorPrimitives.Subtract(x.Slice((i * c + ch) * p, p), mu, centered);
                squares += TensorPrimitives.SumOfSquares(centered);
            }
            variance[ch] = (float)(squares / m);
        }
    }

    /// <summary><c>xn = (x − mean)/std</c>, <c>y = γ·xn + β</c>, per channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Normalize(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> std,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> xn, Span<float> y, int n, int c, int p)
    {
        if (p == 1)
        {
            for (int i = 0; i < n; i++)
            {
                Span<float> xnRow = xn.Slice(i * c, c), yRow = y.Slice(i * c, c);
                TensorPrimitives.Subtract(x.Slice(i * c, c), mean, xnRow);
                TensorPrimitives.Divide(xnRow, std, xnRow);                              // xn = (x − μ)/std
                TensorPrimitives.MultiplyAdd(xnRow, gamma, beta, yRow);                  // y = γ·xn + β
            }
            return;
        }
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                int at = (i * c + ch) * p;
                Span<float> xnPlane = xn.Slice(at, p);
                TensorPrimitives.Subtract(x.Slice(at, p), mean[ch], xnPlane);
                TensorPrimitives.Divide(xnPlane, std[ch], xnPlane);
                Span<float> yPlane = y.Slice(at, p);
                TensorPrimitives.Multiply(xnPlane, gamma[ch], yPlane);
                TensorPrimitives.Add(yPlane, beta[ch], yPlane);
            }
    }

    /// <summary>
    /// <c>dβ = Σ dout</c>, <c>dγ = Σ dout·xn</c> and, in training, <c>dx = (γ/std)·(dout − dβ/M − xn·dγ/M)</c>
    /// (the book's chain of dxn, dstd, dvar, dμ collapsed); after a test-mode forward <c>dx = γ·dout/std</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> dout, ReadOnlySpan<float> xn, ReadOnlySpan<float> gamma, ReadOnlySpan<float> std,
        Span<float> dgamma, Span<float> dbeta, Span<float> dx, bool training, int n, int c, int p)
    {
        float m = (float)n * p;
        if (p == 1)
        {
            dgamma[..c].Clear();
            dbeta[..c].Clear();
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<float> d = dout.Slice(i * c, c);
                TensorPrimitives.Add(d, dbeta, dbeta);                                   // dβ = Σ dout
                TensorPrimitives.MultiplyAdd(d, xn.Slice(i * c, c), dgamma, dgamma);     // dγ = Σ dout·xn
            }
            for (int i = 0; i < n; i++)
            {
                int ch = 0, row = i * c;
                if (Vector256.IsHardwareAccelerated)
                    for (; ch + 8 <= c; ch += 8)                                             // the scalar loop's arithmetic, 8 features at a time
                    {
                        Vector256<float> g = Vector256.Create(gamma.Slice(ch, 8)) / Vector256.Create(std.Slice(ch, 8));
                        Vector256<float> d = Vector256.Create(dout.Slice(row + ch, 8));
                        Vector256<float> r = training
                            ? g * (d - Vector256.Create(dbeta.Slice(ch, 8)) / m - Vector256.Create(xn.Slice(row + ch, 8)) * Vector256.Create(dgamma.Slice(ch, 8)) / m)
                            : g * d;
                        r.CopyTo(dx.Slice(row + ch, 8));
                    }
                for (; ch < c; ch++)
                {
                    int at = row + ch;
                    float g = gamma[ch] / std[ch];
                    dx[at] = training ? g * (dout[at] - dbeta[ch] / m - xn[at] * dgamma[ch] / m) : g * dout[at];
                }
            }
            return;
        }
        for (int ch = 0; ch < c; ch++)
        {
            double sumD = 0, sumDXn = 0;
            for (int i = 0; i < n; i++)
            {
                int at = (i * c + ch) * p;
                sumD += TensorPrimitives.Sum(dout.Slice(at, p));
                sumDXn += TensorPrimitives.Dot(dout.Slice(at, p), xn.Slice(at, p));
            }
            dbeta[ch] = (float)sumD;
            dgamma[ch] = (float)sumDXn;
            float g = gamma[ch] / std[ch], shift = (float)(sumD / m), slope = (float)(sumDXn / m);
            for (int i = 0; i < n; i++)
            {
                int at = (i * c + ch) * p;
                Span<float> dxPlane = dx.Slice(at, p);
                if (training)
                {
                    TensorPrimitives.MultiplyAdd(xn.Slice(at, p), -slope, dout.Slice(at, p), dxPlane);   // dout − xn·dγ/M
                    TensorPrimitives.Subtract(dxPlane, shift, dxPlane);                                  //      − dβ/M
                    TensorPrimitives.Multiply(dxPlane, g, dxPlane);                                      // ·γ/std
                }
                else
                    TensorPrimitives.Multiply(dout.Slice(at, p), g, dxPlane);
            }
        }
    }

    /// <summary>The reference of <see cref="Statistics"/>, in double.</summary>
    public static void StatisticsNaive(ReadOnlySpan<float> x, Span<float> mean, Span<float> variance, int n, int c, int p)
    {
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0, squares = 0;
            for (int i = 0; i < n; i++)
                for (int q = 0; q < p; q++) sum += x[(i * c + ch) * p + q];
            double mu = sum / ((double)n * p);
            for (int i = 0; i < n; i++)
                for (int q = 0; q < p; q++) squares += (x[(i * c + ch) * p + q] - mu) * (x[(i * c + ch) * p + q] - mu);
            mean[ch] = (float)mu;
            variance[ch] = (float)(squares / ((double)n * p));
        }
    }

    /// <summary>The reference of <see cref="Normalize"/>.</summary>
    public static void NormalizeNaive(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> std,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> xn, Span<float> y, int n, int c, int p)
    {
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int q = 0; q < p; q++)
                {
                    int at = (i * c + ch) * p + q;
                    xn[at] = (x[at] - mean[ch]) / std[ch];
                    y[at] = gamma[ch] * xn[at] + beta[ch];
                }
    }

    /// <summary>The reference of <see cref="Backward"/>, following the book's chain (dxn, dstd, dvar, dμ) in double.</summary>
    public static void BackwardNaive(ReadOnlySpan<float> dout, ReadOnlySpan<float> xn, ReadOnlySpan<float> gamma, ReadOnlySpan<float> std,
        Span<float> dgamma, Span<float> dbeta, Span<float> dx, bool training, int n, int c, int p)
    {
        double m = (double)n * p;
        for (int ch = 0; ch < c; ch++)
        {
            double sumD = 0, sumDXn = 0, dstd = 0, dmu = 0;
            for (int i = 0; i < n; i++)
                for (int q = 0; q < p; q++)
                {
                    int at = (i * c + ch) * p + q;
                    sumD += dout[at];
                    sumDXn += dout[at] * xn[at];
                    double xc = xn[at] * std[ch];                     // x − μ
                    dstd -= gamma[ch] * dout[at] * xc / ((double)std[ch] * std[ch]);
                }
            dbeta[ch] = (float)sumD;
            dgamma[ch] = (float)sumDXn;
            double dvar = 0.5 * dstd / std[ch];
            for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < n; i++)
                    for (int q = 0; q < p; q++)
                    {
                        int at = (i * c + ch) * p + q;
                        double dxc = gamma[ch] * dout[at] / std[ch];
                        if (!training) { dx[at] = (float)dxc; continue; }
                        dxc += 2.0 / m * (xn[at] * std[ch]) * dvar;
                        if (pass == 0) dmu += dxc;
                        else dx[at] = (float)(dxc - dmu / m);
                    }
        }
    }
}
