namespace Scratch.Nn;

/// <summary>A network that records how it was built, so a checkpoint alone can build it again.</summary>
/// <remarks>
/// The book's networks (<see cref="TwoLayerNet"/>, <see cref="MultiLayerNet"/>, <see cref="MultiLayerNetExtend"/>,
/// <see cref="SimpleConvNet"/>, <see cref="DeepConvNet"/>) implement it; a generic <see cref="Sequential"/> does not.
/// </remarks>
public interface IDescribedNetwork
{
    /// <summary>The network's kind and the constructor arguments it was built with.</summary>
    NetworkDescription Description { get; }
}
