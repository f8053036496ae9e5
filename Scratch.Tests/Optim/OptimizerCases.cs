using Scratch.Optim;

namespace Scratch.Tests.Optim;

/// <summary>One optimizer configuration: how to make it, and its double-precision twin (hyper-parameters passed as the same float values).</summary>
public sealed class OptimizerCase(string name, Func<IOptimizer> create, Func<ReferenceOptimizer> reference)
{
    public IOptimizer Create() => create();
    public ReferenceOptimizer Reference() => reference();
    public override string ToString() => name;

    /// <summary>Every optimizer, with the book's defaults and with other hyper-parameters.</summary>
    public static IEnumerable<OptimizerCase> All()
    {
        yield return new("Sgd()", () => new Sgd(), () => new ReferenceSgd(0.01f));
        yield return new("Sgd(0.3)", () => new Sgd(0.3f), () => new ReferenceSgd(0.3f));
        yield return new("Momentum()", () => new Momentum(), () => new ReferenceMomentum(0.01f, 0.9f));
        yield return new("Momentum(0.05, 0.5)", () => new Momentum(0.05f, 0.5f), () => new ReferenceMomentum(0.05f, 0.5f));
        yield return new("Nesterov()", () => new Nesterov(), () => new ReferenceNesterov(0.01f, 0.9f));
        yield return new("Nesterov(0.05, 0.7)", () => new Nesterov(0.05f, 0.7f), () => new ReferenceNesterov(0.05f, 0.7f));
        yield return new("AdaGrad()", () => new AdaGrad(), () => new ReferenceAdaGrad(0.01f));
        yield return new("AdaGrad(0.2)", () => new AdaGrad(0.2f), () => new ReferenceAdaGrad(0.2f));
        yield return new("RmsProp()", () => new RmsProp(), () => new ReferenceRmsProp(0.01f, 0.99f));
        yield return new("RmsProp(0.02, 0.9)", () => new RmsProp(0.02f, 0.9f), () => new ReferenceRmsProp(0.02f, 0.9f));
        yield return new("Adam()", () => new Adam(), () => new ReferenceAdam(0.001f, 0.9f, 0.999f));
        yield return new("Adam(0.01, 0.8, 0.99)", () => new Adam(0.01f, 0.8f, 0.99f), () => new ReferenceAdam(0.01f, 0.8f, 0.99f));
        yield return new("AdamW()", () => new AdamW(), () => new ReferenceAdam(0.001f, 0.9f, 0.999f, 0.01f));
        yield return new("AdamW(0.01, 0.8, 0.99, 0.5)", () => new AdamW(0.01f, 0.8f, 0.99f, 0.5f), () => new ReferenceAdam(0.01f, 0.8f, 0.99f, 0.5f));
    }

    /// <summary>The optimizers that keep state (all but SGD).</summary>
    public static IEnumerable<OptimizerCase> Stateful() => All().Where(c => !c.ToString().StartsWith("Sgd", StringComparison.Ordinal));
}
