using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

/// <summary>The batch-norm conventions (the book's, PyTorch's) against their formulas.</summary>
public class BatchNormConventionTests
{
    // x (4, 2): feature 0 = [1, 2, 3, 6] (μ 3, σ² 3.5), feature 1 = [0, 0, 4, 4] (μ 2, σ² 4)
    private static NDArray X() => NDArray.FromArray([1f, 0f, 2f, 0f, 3f, 4f, 6f, 4f], 4, 2);

    private static ILayer Make(bool perChannel, BatchNormConvention convention, float? momentum = null, float? epsilon = null) => perChannel
        ? new BatchNormalization2d(NDArray.Ones(2), NDArray.Zeros(2), momentum, convention: convention, epsilon: epsilon)
        : new BatchNormalization(NDArray.Ones(2), NDArray.Zeros(2), momentum, convention: convention, epsilon: epsilon);

    private static NDArray Input(bool perChannel) => perChannel ? X().Reshape(4, 2, 1, 1) : X();

    [Test]
    public void Book_Defaults_Epsilon1e6_Momentum09_StartAtZero([Values] bool perChannel)
    {
        var layer = (IRunningStatistics)Make(perChannel, BatchNormConvention.Book);
        float[] y = ((ILayer)layer).Forward(Input(perChannel), training: true).ToArray();
        // running = 0.9·0 + 0.1·batch
        Assert.That(layer.RunningMean!.ToArray(), Is.EqualTo(new[] { 0.3f, 0.2f }).Within(1e-6f));
        Assert.That(layer.RunningVar!.ToArray(), Is.EqualTo(new[] { 0.35f, 0.4f }).Within(1e-6f));
        Assert.That(y[0], Is.EqualTo((1 - 3) / MathF.Sqrt(3.5f + 1e-6f)).Within(1e-6f));   // (x − μ)/√(σ² + 1e-6)
        Assert.That(perChannel ? ((BatchNormalization2d)layer).Eps : ((BatchNormalization)layer).Eps, Is.EqualTo(1e-6f));
    }

    [Test]
    public void PyTorch_Epsilon1e5_Momentum01OnTheBatch_VarianceStartsAtOne([Values] bool perChannel)
    {
        var layer = (IRunningStatistics)Make(perChannel, BatchNormConvention.PyTorch);
        float[] y = ((ILayer)layer).Forward(Input(perChannel), training: true).ToArray();
        // running = (1 − 0.1)·running + 0.1·batch, from mean 0 and variance 1; the variance unbiased: σ²·4/3.
        // torch.nn.BatchNorm1d(2) (and 2d) on these rows: running_mean [0.3000, 0.2000], running_var [1.3667, 1.4333].
        Assert.That(layer.RunningMean!.ToArray(), Is.EqualTo(new[] { 0.9f * 0 + 0.1f * 3, 0.9f * 0 + 0.1f * 2 }).Within(1e-6f));
        Assert.That(layer.RunningVar!.ToArray(), Is.EqualTo(new[] { 0.9f * 1 + 0.1f * 3.5f * 4 / 3, 0.9f * 1 + 0.1f * 4 * 4 / 3 }).Within(1e-6f));
        Assert.That(y[0], Is.EqualTo((1 - 3) / MathF.Sqrt(3.5f + 1e-5f)).Within(1e-6f));   // (x − μ)/√(σ² + 1e-5)
        // Test mode before any training uses the starting statistics: (x − 0)/√(1 + 1e-5).
        float[] fresh = ((IStatelessInference)Make(perChannel, BatchNormConvention.PyTorch)).Infer(Input(perChannel)).ToArray();
        Assert.That(fresh[2], Is.EqualTo(2f / MathF.Sqrt(1f + 1e-5f)).Within(1e-6f));
    }

    [Test]
    public void ExplicitMomentumAndEpsilon_AreUsed()
    {
        var layer = new BatchNormalization(NDArray.Ones(2), NDArray.Zeros(2), momentum: 0.5f, convention: BatchNormConvention.PyTorch, epsilon: 1e-3f);
        float[] y = layer.Forward(X(), training: true).ToArray();
        Assert.That(layer.RunningMean!.ToArray(), Is.EqualTo(new[] { 1.5f, 1f }).Within(1e-6f));   // 0.5·0 + 0.5·μ
        Assert.That(y[0], Is.EqualTo(-2f / MathF.Sqrt(3.5f + 1e-3f)).Within(1e-6f));
        Assert.That(layer.Convention, Is.EqualTo(BatchNormConvention.PyTorch));
        Assert.That(() => new BatchNormalization(NDArray.Ones(2), NDArray.Zeros(2), epsilon: 0f), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void Infer_EqualsTestModeForward([Values] bool perChannel)
    {
        ILayer layer = Make(perChannel, BatchNormConvention.PyTorch);
        layer.Forward(Input(perChannel), training: true);                   // running statistics move
        float[] inferred = ((IStatelessInference)layer).Infer(Input(perChannel)).ToArray();
        Assert.That(layer.Forward(Input(perChannel), training: false).ToArray(), Is.EqualTo(inferred));
    }
}
