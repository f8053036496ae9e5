using Scratch.Nn;
using Scratch.Optim;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

public class TrainerTests
{
    [Test]
    public void Schedule_SetsTheLearningRateEachEpoch()
    {
        var x = NDArray.RandomNormal([20, 4], 0, 1, 1);
        var t = NDArray.FromArray(Enumerable.Range(0, 20).Select(i => (float)(i % 2)).ToArray());
        var optimizer = new Sgd(1f);
        var trainer = new Trainer(new TwoLayerNet(4, 3, 2), x, t, x, t, epochs: 3, miniBatchSize: 10, optimizer: optimizer,
            schedule: new Scratch.Optim.Schedules.StepLr(0.1f, stepSize: 1, gamma: 0.5f));
        var rates = new List<float>();
        trainer.EpochCompleted += e => rates.Add(e.LearningRate);
        trainer.Train();
        Assert.That(rates, Is.EqualTo(new[] { 0.1f, 0.05f, 0.025f }).Within(1e-7f));
    }

    [Test]
    public void Constructor_RejectsMismatchedData()
    {
        var x = NDArray.Zeros(10, 4);
        Assert.Multiple(() =>
        {
            Assert.That(() => new Trainer(new TwoLayerNet(4, 3, 2), x, NDArray.Zeros(9), x, NDArray.Zeros(10)),
                Throws.ArgumentException.With.Message.Contains("xTrain (10, 4) and its targets (9,)"));
            Assert.That(() => new Trainer(new TwoLayerNet(4, 3, 2), x, NDArray.Zeros(10), x, NDArray.Zeros(10), miniBatchSize: 0),
                Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("miniBatchSize"));
        });
    }

    [Test]
    public void GradientCheck_OfASmallNetwork_ReportsEveryParameter()
    {
        var network = new MultiLayerNet(5, [4], 3, Activation.Tanh, seed: 3);
        var result = GradientCheck.Check(network, NDArray.RandomNormal([6, 5], 0, 1, 4), NDArray.FromArray([0f, 1, 2, 0, 1, 2]));
        Assert.Multiple(() =>
        {
            Assert.That(result.Entries, Has.Count.EqualTo(4));
            Assert.That(result.MaxError, Is.LessThan(1e-2));
        });
    }
}
