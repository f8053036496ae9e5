namespace Scratch.Bench;

/// <summary>A bad command-line option or value: printed as one line naming the option, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
