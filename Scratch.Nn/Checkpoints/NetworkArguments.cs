using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scratch.Nn;

/// <summary>A network's constructor arguments read from JSON, with typed getters whose errors name the network and the argument.</summary>
internal sealed class NetworkArguments
{
    private readonly string _kind;
    private readonly JsonObject _values;
    private readonly HashSet<string> _used = [];

    private NetworkArguments(string kind, JsonObject values)
    {
        _kind = kind;
        _values = values;
    }

    /// <summary>Parses a JSON object of arguments; duplicate names are an error.</summary>
    public static NetworkArguments Parse(string kind, string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 4, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"NetworkDescription: the arguments of {kind} are not valid JSON: {e.Message}", nameof(json), e);
        }
        return node is JsonObject values
            ? new NetworkArguments(kind, values)
            : throw new ArgumentException($"NetworkDescription: the arguments of {kind} must be a JSON object, got {Excerpt(json)}.", nameof(json));
    }

    public string ToJson() => _values.ToJsonString();

    public int Int(string name) => Get(name, "an integer", v => v.GetValue<int>());

    public uint UInt(string name) => Get(name, "an integer in [0, 2³²)", v => v.GetValue<uint>());

    public float Float(string name) => Get(name, "a number", v => v.GetValue<float>());

    public double Double(string name) => Get(name, "a number", v => v.GetValue<double>());

    public bool Bool(string name) => Get(name, "true or false", v => v.GetValue<bool>());

    /// <summary>An enum member by its exact name (<c>"Relu"</c>).</summary>
    public T Enum<T>(string name) where T : struct, Enum =>
        Get(name, $"one of {string.Join(", ", System.Enum.GetNames<T>())}",
            v => System.Enum.GetNames<T>().Contains(v.GetValue<string>()) ? System.Enum.Parse<T>(v.GetValue<string>()) : throw new FormatException());

    public int[] Ints(string name) =>
        Get(name, "an array of integers", v => v.AsArray().Select(item => item?.GetValue<int>() ?? throw new FormatException()).ToArray());

    /// <summary>"He", "Xavier", or σ as a number.</summary>
    public WeightInit Init(string name) =>
        Get(name, "\"He\", \"Xavier\" or a number", v => v.GetValueKind() == JsonValueKind.Number
            ? WeightInit.Std(v.GetValue<double>())
            : v.GetValue<string>() switch { "He" => WeightInit.He, "Xavier" => WeightInit.Xavier, _ => throw new FormatException() });

    /// <summary>The JSON form of <paramref name="init"/> that <see cref="Init"/> reads back.</summary>
    public static JsonNode Encode(WeightInit init) => init.Name == "Std" ? JsonValue.Create(init.Sigma) : JsonValue.Create(init.Name);

    /// <summary>The JSON array of <paramref name="values"/>.</summary>
    public static JsonArray Encode(int[] values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    /// <summary>Rejects arguments the constructor never read (a misspelt name would otherwise be ignored).</summary>
    public void CheckAllUsed()
    {
        string? unknown = _values.Select(p => p.Key).FirstOrDefault(k => !_used.Contains(k));
        if (unknown is not null)
            throw new ArgumentException($"NetworkDescription: {_kind} has no argument '{unknown}'.");
    }

    private T Get<T>(string name, string expected, Func<JsonNode, T> read)
    {
        _used.Add(name);
        if (!_values.TryGetPropertyValue(name, out JsonNode? value) || value is null)
            throw new ArgumentException($"NetworkDescription: {_kind} needs argument '{name}' ({expected}).");
        try
        {
            return read(value);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or OverflowException or ArgumentException)
        {
            throw new ArgumentException($"NetworkDescription: {_kind} argument '{name}' must be {expected}, got {Excerpt(value.ToJsonString())}.", e);
        }
    }

    /// <summary>At most 100 characters of <paramref name="text"/>, for messages about values read from a file.</summary>
    private static string Excerpt(string text) => text.Length <= 100 ? text : text[..100] + "…";
}
