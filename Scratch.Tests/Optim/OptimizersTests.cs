using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Optim;

public class OptimizersTests
{
    [Test]
    public void Create_TakesTheBooksNamesAndParameters()
    {
        var momentum = (Momentum)Optimizers.Create("Momentum", new Dictionary<string, float> { ["lr"] = 0.05f, ["momentum"] = 0.8f });
        var adam = (Adam)Optimizers.Create("adam", 0.002f);
        var rms = (RmsProp)Optimizers.Create("RMSprop", new Dictionary<string, float> { ["decay_rate"] = 0.9f });
        Assert.Multiple(() =>
        {
            Assert.That(momentum.LearningRate, Is.EqualTo(0.05f));
            Assert.That(momentum.MomentumFactor, Is.EqualTo(0.8f));
            Assert.That(adam.LearningRate, Is.EqualTo(0.002f));
            Assert.That(adam.Beta1, Is.EqualTo(0.9f));
            Assert.That(rms.LearningRate, Is.EqualTo(0.01f));
            Assert.That(() => Optimizers.Create("lbfgs", 0.1f), Throws.ArgumentException.With.Message.Contains("unknown optimizer 'lbfgs'"));
            Assert.That(() => Optimizers.Create("sgd", new Dictionary<string, float> { ["momentum"] = 0.9f }),
                Throws.ArgumentException.With.Message.Contains("sgd takes lr; got 'momentum'"));
        });
    }
}

public class OptimizerBaseTests
{
    /// <summary>A rule written the way the library's are: a name per state array, then the step (here sign-SGD with a running max of |g|).</summary>
    private sealed class SignSgd(float lr) : Optimizer(lr, slots: ["peak"], savesStepCount: true)
    {
        protected override void Step(Span<float> w, ReadOnlySpan<float> g, OptimizerState state)
        {
            Span<float> peak = state[0];
            for (int i = 0; i < w.Length; i++)
            {
                peak[i] = MathF.Max(peak[i], MathF.Abs(g[i]));
                w[i] -= LearningRate * MathF.Sign(g[i]);
            }
        }
    }

    [Test]
    public void Subclass_GetsValidationStateAndStepCount()
    {
        var p = new Parameter("W", NDArray.FromArray([1f, 2f], 2));
        var optimizer = new SignSgd(0.5f);
        NDArray.FromArray([3f, -1f], 2).AsSpan().CopyTo(p.Grad.AsSpan());
        optimizer.Update([p]);
        optimizer.Update([p]);
        IReadOnlyDictionary<string, float[]> state = optimizer.GetState(p);
        Assert.Multiple(() =>
        {
            Assert.That(p.Value.ToArray(), Is.EqualTo(new[] { 0f, 3f }));
            Assert.That(state.Keys, Is.EquivalentTo(new[] { "peak", "t" }));
            Assert.That(state["peak"], Is.EqualTo(new[] { 3f, 1f }));
            Assert.That(state["t"], Is.EqualTo(new[] { 2f }));
            Assert.That(() => new SignSgd(-1f), Throws.ArgumentException.With.Message.StartsWith("SignSgd: lr must be a finite number ≥ 0"));
            Assert.That(() => optimizer.SetState(p, new Dictionary<string, float[]> { ["t"] = [1f] }),
                Throws.ArgumentException.With.Message.Contains("SignSgd.SetState: parameter 'W' state lacks 'peak'"));
        });
    }

    [Test]
    public void EveryRegisteredName_CreatesAnOptimizerOfTheBaseClass()
    {
        foreach (string name in Optimizers.Names)
            Assert.That(Optimizers.Create(name, 0.01f), Is.InstanceOf<Optimizer>(), name);
    }
}
