using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Optim;

/// <summary>PyTorch's forms of momentum and Adam, checked against their formulas in double; and validation before any update.</summary>
public class ConventionTests
{
    private static readonly int[] Shape = [7, 5];   // 35 elements: a full vector and a tail

    /// <summary>A parameter with a fixed random value, and a new random gradient for each step.</summary>
    private static (Parameter P, double[] W, Func<int, double[]> Grad) Setup()
    {
        var p = new Parameter("W", NDArray.RandomNormal(Shape, 0, 1, 3));
        double[] w = p.Value.ToArray().Select(v => (double)v).ToArray();
        double[] Grad(int step)
        {
            NDArray g = NDArray.RandomNormal(Shape, 0, 1, (uint)(100 + step));
            g.AsSpan().CopyTo(p.Grad.AsSpan());
            return g.ToArray().Select(v => (double)v).ToArray();
        }
        return (p, w, Grad);
    }

    [Test]
    public void Momentum_PyTorch_MatchesItsFormula()
    {
        // v = μ·v + g;  W −= lr·v
        var (p, w, grad) = Setup();
        var optimizer = new Momentum(0.1f, 0.9f, Convention.PyTorch);
        var v = new double[w.Length];
        for (int step = 0; step < 6; step++)
        {
            double[] g = grad(step);
            optimizer.Update([p]);
            for (int i = 0; i < w.Length; i++)
            {
                v[i] = 0.9 * v[i] + g[i];
                w[i] -= 0.1 * v[i];
            }
            Assert.That(p.Value.ToArray(), Is.EqualTo(w.Select(d => (float)d)).Within(1e-5f), $"step {step}");
        }
    }

    [Test]
    public void Momentum_BothConventions_TakeTheSameStepsAtAConstantRate()
    {
        var (book, _, gradBook) = Setup();
        var (torch, _, gradTorch) = Setup();
        var a = new Momentum(0.05f, 0.9f, Convention.Book);
        var b = new Momentum(0.05f, 0.9f, Convention.PyTorch);
        for (int step = 0; step < 5; step++)
        {
            gradBook(step);
            gradTorch(step);
            a.Update([book]);
            b.Update([torch]);
        }
        Assert.That(torch.Value.ToArray(), Is.EqualTo(book.Value.ToArray()).Within(1e-5f));
    }

    [Test]
    public void Adam_PyTorch_MatchesItsFormula_WithEpsilon1e8()
    {
        // m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  m̂ = m/(1−β1ᵗ);  v̂ = v/(1−β2ᵗ);  W −= lr·m̂/(√v̂ + 1e-8)
        var (p, w, grad) = Setup();
        var optimizer = new Adam(0.01f, 0.8f, 0.99f, Convention.PyTorch);
        Assert.That(optimizer.Epsilon, Is.EqualTo(1e-8f));
        var m = new double[w.Length];
        var v = new double[w.Length];
        for (int t = 1; t <= 6; t++)
        {
            double[] g = grad(t);
            optimizer.Update([p]);
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = 0.8 * m[i] + 0.2 * g[i];
                v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i];
                double mHat = m[i] / (1 - Math.Pow(0.8, t)), vHat = v[i] / (1 - Math.Pow(0.99, t));
                w[i] -= 0.01 * mHat / (Math.Sqrt(vHat) + 1e-8);
            }
            Assert.That(p.Value.ToArray(), Is.EqualTo(w.Select(d => (float)d)).Within(1e-5f), $"t = {t}");
        }
    }

    [Test]
    public void Adam_Conventions_DifferWhereEpsilonMatters()
    {
        // g = 1e-6 on the first step: the book adds ε = 1e-7 to √v = √(0.001·1e-12) ≈ 3.2e-8 and takes lr_t·m/(√v + ε) ≈ 0.024;
        // PyTorch adds ε = 1e-8 to √v̂ = 1e-6 and takes lr·m̂/(√v̂ + ε) = 0.1·1e-6/(1e-6 + 1e-8) ≈ 0.099.
        var book = new Parameter("W", NDArray.Zeros(1));
        var torch = new Parameter("W", NDArray.Zeros(1));
        book.Grad.Fill(1e-6f);
        torch.Grad.Fill(1e-6f);
        new Adam(0.1f).Update([book]);
        new Adam(0.1f, convention: Convention.PyTorch).Update([torch]);
        Assert.Multiple(() =>
        {
            Assert.That(torch.Value[0], Is.EqualTo(-0.1 * 1e-6 / (1e-6 + 1e-8)).Within(1e-5));
            Assert.That(book.Value[0], Is.EqualTo(-(0.1 * Math.Sqrt(0.001) / 0.1) * 1e-7 / (Math.Sqrt(1e-15) + 1e-7)).Within(1e-5));
        });
    }

    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.All))]
    public void Update_BadParameterLateInTheList_LeavesEveryParameterUnchanged(OptimizerCase c)
    {
        IOptimizer optimizer = c.Create();
        var good = new Parameter("W1", NDArray.Ones(3, 4));
        good.Grad.Fill(1f);
        var bad = new Parameter("W2", NDArray.Ones(2, 2)) { Grad = NDArray.Zeros(3) };
        Assert.That(() => optimizer.Update([good, bad]), Throws.ArgumentException.With.Message.Contains("'W2'"));
        Assert.That(good.Value.ToArray(), Is.All.EqualTo(1f), "W1 was changed before W2 was found bad");
    }
}
