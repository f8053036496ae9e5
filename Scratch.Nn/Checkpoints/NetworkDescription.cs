using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scratch.Nn;

/// <summary>How to build a network again: its kind (the class name) and its constructor arguments as a JSON object.</summary>
/// <remarks>
/// <para>
/// <c>new TwoLayerNet(4, 3, 2, seed: 7).Description</c> has <see cref="Kind"/> <c>"TwoLayerNet"</c> and <see cref="Arguments"/>
/// <c>{"inputSize":4,"hiddenSize":3,"outputSize":2,"weightInitStd":0.01,"activation":"Relu","seed":7}</c>: every constructor
/// argument under its C# parameter name, defaults resolved. Enums are their names, a <see cref="WeightInit"/> is
/// <c>"He"</c>, <c>"Xavier"</c> or σ as a number, shapes are arrays.
/// </para>
/// <para>
/// <see cref="Build"/> calls that constructor again, which gives the same layers and the same initial weights (a checkpoint
/// then overwrites the weights). A safetensors checkpoint stores the description in its <c>__metadata__</c> as
/// <c>"network"</c> (the kind) and <c>"args"</c> (the JSON text), which is how <c>Checkpoint.Load(path)</c> rebuilds a network.
/// </para>
/// </remarks>
public sealed class NetworkDescription
{
    /// <summary>The constructor behind each kind, and the parameter count its arguments imply (checked before anything is allocated).</summary>
    private static readonly Dictionary<string, (Func<NetworkArguments, Sequential> Build, Func<NetworkArguments, long> ParameterCount)> Factories = new()
    {
        [nameof(TwoLayerNet)] = (TwoLayerNet.FromArguments, TwoLayerNet.ParameterCount),
        [nameof(MultiLayerNet)] = (MultiLayerNet.FromArguments, MultiLayerNet.ParameterCount),
        [nameof(MultiLayerNetExtend)] = (MultiLayerNetExtend.FromArguments, MultiLayerNetExtend.ParameterCount),
        [nameof(SimpleConvNet)] = (SimpleConvNet.FromArguments, SimpleConvNet.ParameterCount),
        [nameof(DeepConvNet)] = (DeepConvNet.FromArguments, DeepConvNet.ParameterCount),
    };

    /// <summary>Describes a network of kind <paramref name="kind"/> built with the JSON object <paramref name="arguments"/>.</summary>
    /// <exception cref="ArgumentException">The kind is not one of <see cref="Kinds"/>, or the arguments are not a JSON object.</exception>
    public NetworkDescription(string kind, string arguments)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(arguments);
        if (!Factories.ContainsKey(kind))
            throw new ArgumentException($"NetworkDescription: unknown network kind '{kind}'; expected one of {string.Join(", ", Kinds)}.", nameof(kind));
        Kind = kind;
        Parsed = NetworkArguments.Parse(kind, arguments);
        Arguments = Parsed.ToJson();
    }

    internal NetworkDescription(string kind, JsonObject arguments)
        : this(kind, arguments.ToJsonString())
    {
    }

    /// <summary>The kinds a description can build: the book's networks.</summary>
    public static IReadOnlyList<string> Kinds => [.. Factories.Keys];

    /// <summary>The network's class name, e.g. <c>"SimpleConvNet"</c>.</summary>
    public string Kind { get; }

    /// <summary>The constructor arguments as compact JSON, e.g. <c>{"inputSize":4,"hiddenSize":3,…}</c>.</summary>
    public string Arguments { get; }

    private NetworkArguments Parsed { get; }

    /// <summary>A new network of this kind, built with these arguments (fresh initial weights).</summary>
    /// <exception cref="ArgumentException">An argument is missing, of the wrong type, unknown to the constructor, or rejected by it.</exception>
    public Sequential Build()
    {
        var arguments = NetworkArguments.Parse(Kind, Arguments);
        Sequential network = Factories[Kind].Build(arguments);
        arguments.CheckAllUsed();
        return network;
    }

    /// <summary>The number of parameters <see cref="Build"/> would allocate, computed from the arguments alone.</summary>
    /// <exception cref="ArgumentException">An argument is missing or of the wrong type.</exception>
    /// <exception cref="OverflowException">The count does not fit a long.</exception>
    internal long ParameterCount() => Factories[Kind].ParameterCount(NetworkArguments.Parse(Kind, Arguments));

    /// <summary><c>Kind {arguments}</c>.</summary>
    public override string ToString() => $"{Kind} {Arguments}";
}
