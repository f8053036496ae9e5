using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Scratch.Tensors.Kernels;

/// <summary>
/// Batch normalization on a contiguous (N, C, P) span: channel c's statistics pool the M = N·P values
/// <c>x[n, c, p]</c>. The book's per-feature layer is P = 1 (C = D features), the per-channel layer of CNNs is
/// P = H·W. Sums run in float within a plane and in double across planes (P &gt; 1), or in float across a row of
/// features (P = 1). Each loop has a
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
                ShortSpans.Add(mean, x.Slice(i * c, c));                                 // Σ x
            Scale(mean[..c], (float)(1.0 / m));                                          // μ = Σ x / M
            for (int i = 0; i < n; i++)
            {
                Span<float> centered = scratch.Slice(i * c, c);
                Center(x.Slice(i * c, c), mean, default, centered);                      // x − μ
                AddProduct(centered, centered, variance);                                // Σ (x − μ)²
            }
            Scale(variance[..c], (float)(1.0 / m));                                      // σ² = Σ (x − μ)² / M
            return;
        }
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Dot(x.Slice((i * c + ch) * p, p), default);                 // Σ x, plane by plane
            float mu = mean[ch] = (float)(sum / m);
            double squares = 0;
            for (int i = 0; i < n; i++)
                squares += CenterPlane(x.Slice((i * c + ch) * p, p), mu, scratch.Slice((i * c + ch) * p, p));   // Σ (x − μ)²
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
                Center(x.Slice(i * c, c), mean, std, xnRow);                             // xn = (x − μ)/std
                ScaleAndShift(xnRow, gamma, beta, yRow);                                 // y = γ·xn + β
            }
            return;
        }
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                int at = (i * c + ch) * p;
                NormalizePlane(x.Slice(at, p), mean[ch], std[ch], gamma[ch], beta[ch], xn.Slice(at, p), y.Slice(at, p));
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
                ShortSpans.Add(dbeta, d);                                                // dβ = Σ dout
                AddProduct(d, xn.Slice(i * c, c), dgamma);                               // dγ = Σ dout·xn
            }
            int first = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; first + 8 <= c; first += 8)                                           // the scalar loop's arithmetic, 8 features at a time
                {
                    Vector256<float> g = Vector256.Create(gamma.Slice(first, 8)) / Vector256.Create(std.Slice(first, 8));
                    Vector256<float> shift = Vector256.Create(dbeta.Slice(first, 8)) / m, slope = Vector256.Create(dgamma.Slice(first, 8)) / m;
                    for (int at = first; at < n * c; at += c)
                    {
                        Vector256<float> d = Vector256.Create(dout.Slice(at, 8));
                        (training ? g * (d - shift - Vector256.Create(xn.Slice(at, 8)) * slope) : g * d).CopyTo(dx.Slice(at, 8));
                    }
                }
            for (int ch = first; ch < c; ch++)
            {
                float g = gamma[ch] / std[ch], shift = dbeta[ch] / m, slope = dgamma[ch] / m;
                for (int at = ch; at < n * c; at += c)
                    dx[at] = training ? g * (dout[at] - shift - xn[at] * slope) : g * dout[at];
            }
            return;
        }
        for (int ch = 0; ch < c; ch++)
        {
            double sumD = 0, sumDXn = 0;
            for (int i = 0; i < n; i++)
            {
                int at = (i * c + ch) * p;
                sumD += Dot(dout.Slice(at, p), default);
                sumDXn += Dot(dout.Slice(at, p), xn.Slice(at, p));
            }
            dbeta[ch] = (float)sumD;
            dgamma[ch] = (float)sumDXn;
            float g = gamma[ch] / std[ch], shift = (float)(sumD / m), slope = (float)(sumDXn / m);
            for (int i = 0; i < n; i++)
            {
                int at = (i * c + ch) * p;
                GradientPlane(dout.Slice(at, p), xn.Slice(at, p), g, shift, slope, training, dx.Slice(at, p));
            }
        }
    }

    // The loops over one plane of an (N, C, H, W) input, H·W floats: inline, since a call per plane (TensorPrimitives) cost
    // more than the arithmetic on small maps. Measured on the 2-core Intel Xeon (family 6, model 207), 100 images of 64
    // channels, statistics, normalization and backward: 2×2 maps 399, 1011 and 1169 µs through TensorPrimitives (3-13× the
    // naive loops), 76, 36 and 106 µs with these; 7×7 maps 2832, 2638 and 3698 µs against 149, 168 and 327.

    /// <summary><c>Σ a[q]·b[q]</c>, or <c>Σ a[q]</c> when <paramref name="b"/> is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int q = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated && a.Length >= 8)
        {
            Vector256<float> sums = Vector256<float>.Zero;
            for (; q <= a.Length - 8; q += 8)
                sums += b.IsEmpty ? Vector256.Create(a.Slice(q, 8)) : Vector256.Create(a.Slice(q, 8)) * Vector256.Create(b.Slice(q, 8));
            sum = Vector256.Sum(sums);
        }
        for (; q < a.Length; q++)
            sum += b.IsEmpty ? a[q] : a[q] * b[q];
        return sum;
    }

    /// <summary><c>centered[q] = x[q] − μ</c>; returns <c>Σ centered[q]²</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float CenterPlane(ReadOnlySpan<float> x, float mu, Span<float> centered)
    {
        int q = 0;
        float squares = 0f;
        if (Vector256.IsHardwareAccelerated && x.Length >= 8)
        {
            Vector256<float> sums = Vector256<float>.Zero;
            for (; q <= x.Length - 8; q += 8)
            {
                Vector256<float> d = Vector256.Create(x.Slice(q, 8)) - Vector256.Create(mu);
                d.CopyTo(centered.Slice(q, 8));
                sums += d * d;
            }
            squares = Vector256.Sum(sums);
        }
        for (; q < x.Length; q++)
        {
            float d = centered[q] = x[q] - mu;
            squares += d * d;
        }
        return squares;
    }

    /// <summary><c>xn[q] = (x[q] − μ)/std</c>, <c>y[q] = γ·xn[q] + β</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NormalizePlane(ReadOnlySpan<float> x, float mu, float std, float gamma, float beta, Span<float> xn, Span<float> y)
    {
        int q = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; q <= x.Length - 8; q += 8)
            {
                Vector256<float> normalized = (Vector256.Create(x.Slice(q, 8)) - Vector256.Create(mu)) / Vector256.Create(std);
                normalized.CopyTo(xn.Slice(q, 8));
                (normalized * gamma + Vector256.Create(beta)).CopyTo(y.Slice(q, 8));
            }
        for (; q < x.Length; q++)
        {
            float normalized = xn[q] = (x[q] - mu) / std;
            y[q] = normalized * gamma + beta;
        }
    }

    /// <summary>In training <c>dx[q] = (dout[q] − xn[q]·slope − shift)·g</c>, with slope = dγ/M, shift = dβ/M and g = γ/std; else <c>dout[q]·g</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientPlane(ReadOnlySpan<float> dout, ReadOnlySpan<float> xn, float g, float shift, float slope, bool training, Span<float> dx)
    {
        int q = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; q <= dout.Length - 8; q += 8)
            {
                Vector256<float> d = Vector256.Create(dout.Slice(q, 8));
                (training ? (Vector256.Create(xn.Slice(q, 8)) * -slope + d - Vector256.Create(shift)) * g : d * g).CopyTo(dx.Slice(q, 8));
            }
        for (; q < dout.Length; q++)
            dx[q] = training ? (xn[q] * -slope + dout[q] - shift) * g : dout[q] * g;
    }

    // The per-feature loops over one row of (N, C) features. Rows of MultiLayerNetExtend's layers are 100 floats: through
    // TensorPrimitives, the calls per row (and their generic code, which runs unoptimized through its first hundreds of calls) cost
    // more than the arithmetic.

    /// <summary><c>sum[j] += a[j]·b[j]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddProduct(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> sum)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j <= a.Length - 8; j += 8)
                (Vector256.Create(sum.Slice(j, 8)) + Vector256.Create(a.Slice(j, 8)) * Vector256.Create(b.Slice(j, 8))).CopyTo(sum.Slice(j, 8));
        for (; j < a.Length; j++)
            sum[j] += a[j] * b[j];
    }

    /// <summary><c>target[j] = (x[j] − mean[j]) / std[j]</c>, or without the division when <paramref name="std"/> is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Center(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> std, Span<float> target)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j <= x.Length - 8; j += 8)
            {
                Vector256<float> centered = Vector256.Create(x.Slice(j, 8)) - Vector256.Create(mean.Slice(j, 8));
                (std.IsEmpty ? centered : centered / Vector256.Create(std.Slice(j, 8))).CopyTo(target.Slice(j, 8));
            }
        for (; j < x.Length; j++)
            target[j] = std.IsEmpty ? x[j] - mean[j] : (x[j] - mean[j]) / std[j];
    }

    /// <summary><c>y[j] = γ[j]·xn[j] + β[j]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleAndShift(ReadOnlySpan<float> xn, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, Span<float> y)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j <= xn.Length - 8; j += 8)
                (Vector256.Create(gamma.Slice(j, 8)) * Vector256.Create(xn.Slice(j, 8)) + Vector256.Create(beta.Slice(j, 8))).CopyTo(y.Slice(j, 8));
        for (; j < xn.Length; j++)
            y[j] = gamma[j] * xn[j] + beta[j];
    }

    /// <summary><c>values[j] *= factor</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scale(Span<float> values, float factor)
    {
        for (int j = 0; j < values.Length; j++)
            values[j] *= factor;
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
