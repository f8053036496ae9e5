using Scratch.Nn;
using Scratch.Tensors;

namespace Scratch.Tests.Nn;

public class ErrorTests
{
    [TestCaseSource(typeof(GradientCheckTests), nameof(GradientCheckTests.LayerCases))]
    public void Layer_BackwardBeforeForward_Throws(GradientCheckTests.LayerCase c)
    {
        ILayer layer = c.Make();
        string name = c.Covers.Name;
        var e = Assert.Throws<InvalidOperationException>(() => layer.Backward(NDArray.Ones(2, 2)));
        Assert.That(e!.Message, Is.EqualTo($"{name}.Backward called before {name}.Forward."));
    }

    [TestCaseSource(typeof(GradientCheckTests), nameof(GradientCheckTests.LossCases))]
    public void Loss_BackwardBeforeForward_Throws(GradientCheckTests.LossCase c)
    {
        var e = Assert.Throws<InvalidOperationException>(() => c.Make().Backward());
        Assert.That(e!.Message, Is.EqualTo($"{c.Covers.Name}.Backward called before {c.Covers.Name}.Forward."));
    }

    [Test]
    public void GraphNodes_BackwardBeforeForward_Throw()
    {
        Assert.That(() => new Add().Backward(NDArray.Ones(2)), Throws.InvalidOperationException.With.Message.EqualTo("Add.Backward called before Add.Forward."));
        Assert.That(() => new Mul().Backward(NDArray.Ones(2)), Throws.InvalidOperationException.With.Message.EqualTo("Mul.Backward called before Mul.Forward."));
    }

    [Test]
    public void Affine_WrongInput_NamesBothShapes()
    {
        var affine = new Affine(NDArray.Zeros(784, 100), NDArray.Zeros(100));
        Assert.That(() => affine.Forward(NDArray.Zeros(2, 785)),
            Throws.ArgumentException.With.Message.StartWith("Affine.Forward: x (2, 785) does not match W (784, 100)."));
        Assert.That(() => affine.Forward(NDArray.Zeros(2, 1, 28, 29)),
            Throws.ArgumentException.With.Message.StartWith("Affine.Forward: x (2, 1, 28, 29) seen as (2, 812) does not match W (784, 100)."));
        affine.Forward(NDArray.Zeros(2, 784));
        Assert.That(() => affine.Backward(NDArray.Zeros(2, 99)),
            Throws.ArgumentException.With.Message.StartWith("Affine.Backward: dout (2, 99) does not match out (2, 100)."));
        Assert.That(() => new Affine(NDArray.Zeros(4, 3), NDArray.Zeros(4)),
            Throws.ArgumentException.With.Message.StartWith("Affine: b (4,) does not match W (4, 3): expected b (3,)."));
    }

    [Test]
    public void Convolution_WrongChannels_NamesTheShape()
    {
        var conv = new Convolution(NDArray.Zeros(30, 1, 5, 5), NDArray.Zeros(30));
        Assert.That(() => conv.Forward(NDArray.Zeros(100, 3, 28, 28)),
            Throws.ArgumentException.With.Message.StartWith("Convolution.Forward: expected x (N, C=1, H, W), got (100, 3, 28, 28)."));
        Assert.That(() => conv.Forward(NDArray.Zeros(1, 1, 4, 4)),
            Throws.ArgumentException.With.Message.StartWith("Convolution.Forward: filter (5, 5) is larger than x (1, 1, 4, 4) padded by 0."));
    }

    [Test]
    public void OtherLayers_WrongShapes_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new BatchNormalization(NDArray.Ones(5), NDArray.Zeros(5)).Forward(NDArray.Zeros(3, 6)),
                Throws.ArgumentException.With.Message.StartWith("BatchNormalization.Forward: x (3, 6) does not match gamma (5,)"));
            Assert.That(() => new BatchNormalization2d(NDArray.Ones(2), NDArray.Zeros(2)).Forward(NDArray.Zeros(3, 4, 2, 2)),
                Throws.ArgumentException.With.Message.StartWith("BatchNormalization2d.Forward: expected x (N, C=2, H, W), got (3, 4, 2, 2)."));
            Assert.That(() => new MaxPooling(2, 2).Forward(NDArray.Zeros(3, 4)),
                Throws.ArgumentException.With.Message.StartWith("MaxPooling.Forward: expected x (N, C, H, W), got (3, 4)."));
            Assert.That(() => new Scratch.Nn.MatMul(NDArray.Zeros(4, 5)).Forward(NDArray.Zeros(3, 5)),
                Throws.ArgumentException.With.Message.StartWith("MatMul.Forward: x (3, 5) does not match W (4, 5)."));
            Assert.That(() => new Repeat(3).Forward(NDArray.Zeros(2, 5)),
                Throws.ArgumentException.With.Message.StartWith("Repeat.Forward: expected x (1, D), got (2, 5)."));
            Assert.That(() => new Mul().Forward(NDArray.Zeros(2, 3), NDArray.Zeros(4)),
                Throws.ArgumentException.With.Message.StartWith("Mul.Forward: cannot broadcast"));
            Assert.That(() => new SoftmaxWithLoss().Forward(NDArray.Zeros(4, 3), NDArray.Zeros(4, 2)),
                Throws.ArgumentException.With.Message.StartWith("SoftmaxWithLoss.Forward: t (4, 2) does not match x (4, 3)"));
            Assert.That(() => new SoftmaxWithLoss().Forward(NDArray.Zeros(2, 3), NDArray.FromArray([0f, 3f])),
                Throws.ArgumentException.With.Message.StartWith("SoftmaxWithLoss.Forward: t[1] = 3 is not a class index in [0, 3)."));
            Assert.That(() => new Scratch.Nn.MeanSquaredError().Forward(NDArray.Zeros(4, 3), NDArray.Zeros(4, 2)),
                Throws.ArgumentException.With.Message.StartWith("MeanSquaredError.Forward: t (4, 2) does not match x (4, 3)."));
            var relu = new Relu();
            relu.Forward(NDArray.Zeros(2, 3));
            Assert.That(() => relu.Backward(NDArray.Zeros(3, 2)),
                Throws.ArgumentException.With.Message.StartWith("Relu.Backward: dout (3, 2) does not match out (2, 3)."));
            Assert.That(() => new Dropout(1f), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }
}
