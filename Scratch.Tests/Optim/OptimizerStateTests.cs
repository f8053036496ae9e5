using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Optim;

/// <summary>GetState/SetState carry an optimizer's per-parameter state to a new optimizer, which then updates bit-identically.</summary>
public class OptimizerStateTests
{
    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.All))]
    public void SetState_OfGetState_ContinuesBitIdentically(OptimizerCase c)
    {
        var p = new Parameter("W", NDArray.RandomNormal([3, 5], 0, 1, 1));
        IOptimizer first = c.Create();
        for (int step = 0; step < 3; step++)
        {
            NDArray.RandomNormal([3, 5], 0, 1, (uint)(10 + step)).AsSpan().CopyTo(p.Grad.AsSpan());
            first.Update([p]);
        }
        var copy = new Parameter("W", p.Value.Clone());
        NDArray.RandomNormal([3, 5], 0, 1, 99).AsSpan().CopyTo(p.Grad.AsSpan());
        p.Grad.AsSpan().CopyTo(copy.Grad.AsSpan());
        IOptimizer second = c.Create();
        second.SetState(copy, first.GetState(p));
        first.Update([p]);
        second.Update([copy]);
        Assert.That(copy.Value.ToArray(), Is.EqualTo(p.Value.ToArray()));
    }

    [TestCaseSource(typeof(OptimizerCase), nameof(OptimizerCase.Stateful))]
    public void SetState_SlotOfAnotherLength_IsRejected(OptimizerCase c)
    {
        var p = new Parameter("W1", NDArray.Ones(2, 2));
        IOptimizer optimizer = c.Create();
        optimizer.Update([p]);
        var state = optimizer.GetState(p).ToDictionary(s => s.Key, s => s.Key == "t" ? s.Value : new float[3]);
        Assert.That(() => optimizer.SetState(p, state), Throws.ArgumentException.With.Message.Contains("parameter 'W1' state").And.Message.Contains("holds 3 values, expected 4"));
    }
}
