namespace Scratch.Nn;

/// <summary>Argument checks shared by the network constructors.</summary>
internal static class Sizes
{
    public static void CheckPositive(string network, params (string Name, int Value)[] sizes)
    {
        foreach (var (name, value) in sizes)
            if (value <= 0)
                throw new ArgumentOutOfRangeException(name, value, $"{network}: {name} must be positive, got {value}.");
    }

    public static void CheckRatio(string network, string name, float value)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, $"{network}: {name} must be in [0, 1), got {value}.");
    }
}
