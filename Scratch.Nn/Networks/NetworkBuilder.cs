using Scratch.Tensors;

namespace Scratch.Nn;

/// <summary>Creates the layers of the book's networks, drawing every weight from one seeded <see cref="RandomState"/> in the book's order.</summary>
internal sealed class NetworkBuilder(uint seed)
{
    private readonly RandomState _random = new(seed);
    private uint _dropouts;

    /// <summary><c>σ · randn(shape)</c> with σ from <paramref name="init"/> and the shape's fan-in (the book's <c>weight_init_std * np.random.randn(...)</c>).</summary>
    public NDArray Weights(WeightInit init, params int[] shape) => Init.Weights(shape, init, _random);

    public static ILayer ActivationLayer(Activation activation) => activation switch
    {
        Activation.Relu => new Relu(),
        Activation.Sigmoid => new Sigmoid(),
        Activation.Tanh => new Tanh(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <summary>The book's default for an activation: He for ReLU, Xavier for sigmoid and tanh.</summary>
    public static WeightInit DefaultInit(Activation activation) => activation == Activation.Relu ? WeightInit.He : WeightInit.Xavier;

    /// <summary>A Dropout layer with its own generator (seeded from the network's seed), so masks never shift the weight draws.</summary>
    public Dropout Dropout(float ratio, Semantics semantics) => new(ratio, semantics, new RandomState(unchecked(seed * 7919u + ++_dropouts)));
}
