namespace Scratch.Tests.Optim;

/// <summary>
/// The book's update rules (common/optimizer.py) in double precision, one scalar at a time, written independently of the
/// library (no spans, no TensorPrimitives, no shared helpers). Parameter k's state lives at index k.
/// </summary>
public abstract class ReferenceOptimizer(double lr)
{
    public double Lr = lr;

    public abstract void Update(double[][] w, double[][] g);

    /// <summary>The book's <c>np.zeros_like(val)</c> for each parameter, made on first use.</summary>
    protected static double[][] ZerosLike(ref double[][]? state, double[][] w) =>
        state ??= w.Select(x => new double[x.Length]).ToArray();
}

public sealed class ReferenceSgd(double lr) : ReferenceOptimizer(lr)
{
    public override void Update(double[][] w, double[][] g)
    {
        for (int k = 0; k < w.Length; k++)
            for (int i = 0; i < w[k].Length; i++)
                w[k][i] -= Lr * g[k][i];
    }
}

public sealed class ReferenceMomentum(double lr, double momentum) : ReferenceOptimizer(lr)
{
    private double[][]? _v;

    public override void Update(double[][] w, double[][] g)
    {
        var v = ZerosLike(ref _v, w);
        for (int k = 0; k < w.Length; k++)
            for (int i = 0; i < w[k].Length; i++)
            {
                v[k][i] = momentum * v[k][i] - Lr * g[k][i];
                w[k][i] += v[k][i];
            }
    }
}

public sealed class ReferenceNesterov(double lr, double momentum) : ReferenceOptimizer(lr)
{
    private double[][]? _v;

    public override void Update(double[][] w, double[][] g)
    {
        var v = ZerosLike(ref _v, w);
        for (int k = 0; k < w.Length; k++)
            for (int i = 0; i < w[k].Length; i++)
            {
                v[k][i] *= momentum;
                v[k][i] -= Lr * g[k][i];
                w[k][i] += momentum * momentum * v[k][i];
                w[k][i] -= (1 + momentum) * Lr * g[k][i];
            }
    }
}

public sealed class ReferenceAdaGrad(double lr) : ReferenceOptimizer(lr)
{
    private double[][]? _h;

    public override void Update(double[][] w, double[][] g)
    {
        var h = ZerosLike(ref _h, w);
        for (int k = 0; k < w.Length; k++)
            for (int i = 0; i < w[k].Length; i++)
            {
                h[k][i] += g[k][i] * g[k][i];
                w[k][i] -= Lr * g[k][i] / (Math.Sqrt(h[k][i]) + 1e-7);
            }
    }
}

public sealed class ReferenceRmsProp(double lr, double decayRate) : ReferenceOptimizer(lr)
{
    private double[][]? _h;

    public override void Update(double[][] w, double[][] g)
    {
        var h = ZerosLike(ref _h, w);
        for (int k = 0; k < w.Length; k++)
            for (int i = 0; i < w[k].Length; i++)
            {
                h[k][i] *= decayRate;
                h[k][i] += (1 - decayRate) * g[k][i] * g[k][i];
                w[k][i] -= Lr * g[k][i] / (Math.Sqrt(h[k][i]) + 1e-7);
            }
    }
}

/// <summary>The book's Adam; with <paramref name="weightDecay"/> &gt; 0, PyTorch's AdamW order: <c>W −= lr·λ·W</c> first.</summary>
public sealed class ReferenceAdam(double lr, double beta1, double beta2, double weightDecay = 0) : ReferenceOptimizer(lr)
{
    private double[][]? _m, _v;
    private int _iter;

    public override void Update(double[][] w, double[][] g)
    {
        var m = ZerosLike(ref _m, w);
        var v = ZerosLike(ref _v, w);
        _iter++;
        double lrT = Lr * Math.Sqrt(1.0 - Math.Pow(beta2, _iter)) / (1.0 - Math.Pow(beta1, _iter));
        for (int k = 0; k < w.Length; k++)
            for (int i = 0; i < w[k].Length; i++)
            {
                w[k][i] -= Lr * weightDecay * w[k][i];
                m[k][i] += (1 - beta1) * (g[k][i] - m[k][i]);
                v[k][i] += (1 - beta2) * (g[k][i] * g[k][i] - v[k][i]);
                w[k][i] -= lrT * m[k][i] / (Math.Sqrt(v[k][i]) + 1e-7);
            }
    }
}
