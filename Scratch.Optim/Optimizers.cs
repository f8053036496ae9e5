namespace Scratch.Optim;

/// <summary>Optimizers by the book's names: <c>optimizer='Momentum', optimizer_param={'lr': 0.01, 'momentum': 0.9}</c>.</summary>
/// <remarks>
/// Names are case-insensitive: <c>sgd</c>, <c>momentum</c>, <c>nesterov</c>, <c>adagrad</c>, <c>rmsprop</c>, <c>adam</c>,
/// <c>adamw</c>. Hyper-parameters carry the book's keys (<c>lr</c>, <c>momentum</c>, <c>decay_rate</c>, <c>beta1</c>,
/// <c>beta2</c>, and <c>weight_decay</c> for AdamW); missing ones take the book's defaults.
/// </remarks>
public static class Optimizers
{
    /// <summary>The names <see cref="Create(string, float)"/> accepts, lower-case.</summary>
    public static IReadOnlyList<string> Names { get; } = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"];

    /// <summary>The optimizer called <paramref name="name"/> with learning rate <paramref name="lr"/> and the book's defaults otherwise.</summary>
    /// <exception cref="ArgumentException">An unknown name, or a bad learning rate.</exception>
    public static IOptimizer Create(string name, float lr) => Create(name, new Dictionary<string, float> { ["lr"] = lr });

    /// <summary>The optimizer called <paramref name="name"/> with hyper-parameters by the book's keys (the book's <c>optimizer_param</c>).</summary>
    /// <exception cref="ArgumentException">An unknown name, a key that optimizer does not take, or a value out of range.</exception>
    public static IOptimizer Create(string name, IReadOnlyDictionary<string, float> optimizerParam)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(optimizerParam);
        string lower = name.ToLowerInvariant();
        string[] keys = lower switch
        {
            "sgd" or "adagrad" => ["lr"],
            "momentum" or "nesterov" => ["lr", "momentum"],
            "rmsprop" => ["lr", "decay_rate"],
            "adam" => ["lr", "beta1", "beta2"],
            "adamw" => ["lr", "beta1", "beta2", "weight_decay"],
            _ => throw new ArgumentException($"Optimizers.Create: unknown optimizer '{name}'; expected {string.Join(", ", Names)}.", nameof(name)),
        };
        foreach (string key in optimizerParam.Keys.Where(k => !keys.Contains(k)))
            throw new ArgumentException($"Optimizers.Create: {name} takes {string.Join(", ", keys)}; got '{key}'.", nameof(optimizerParam));
        float Get(string key, float fallback) => optimizerParam.TryGetValue(key, out float value) ? value : fallback;
        return lower switch
        {
            "sgd" => new Sgd(Get("lr", 0.01f)),
            "momentum" => new Momentum(Get("lr", 0.01f), Get("momentum", 0.9f)),
            "nesterov" => new Nesterov(Get("lr", 0.01f), Get("momentum", 0.9f)),
            "adagrad" => new AdaGrad(Get("lr", 0.01f)),
            "rmsprop" => new RmsProp(Get("lr", 0.01f), Get("decay_rate", 0.99f)),
            "adam" => new Adam(Get("lr", 0.001f), Get("beta1", 0.9f), Get("beta2", 0.999f)),
            _ => new AdamW(Get("lr", 0.001f), Get("beta1", 0.9f), Get("beta2", 0.999f), Get("weight_decay", 0.01f)),
        };
    }
}
