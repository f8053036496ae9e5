namespace Scratch.Bench.Runs;

/// <summary>File helpers for run directories: atomic writes and a writability check made before any work starts.</summary>
internal static class RunFiles
{
    /// <summary>Writes <paramref name="text"/> to a temporary file beside <paramref name="path"/>, then moves it into place.</summary>
    public static void WriteAllTextAtomic(string path, string text)
    {
        string temp = path + ".tmp";
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Creates <paramref name="directory"/> and proves a file can be written there.</summary>
    /// <exception cref="IOException">The directory cannot be created or written (message names the option and the path).</exception>
    public static void EnsureWritable(string directory, string option)
    {
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, ".write-test");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option}: cannot write to {directory} ({e.Message})", e);
        }
    }
}
