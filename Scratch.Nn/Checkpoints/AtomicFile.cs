namespace Scratch.Nn;

/// <summary>Writes a file whole or not at all: into a temporary file beside it, then a rename over the target.</summary>
/// <remarks>
/// If writing fails at any point the temporary file is deleted and the previous file at the target (if any) is untouched.
/// Errors about the target's directory name the target, never the temporary file.
/// </remarks>
internal static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a fresh temporary file beside <paramref name="path"/>, then moves it over <paramref name="path"/>.</summary>
    /// <remarks>
    /// <paramref name="operation"/> names the public operation in messages (<c>Checkpoint.Save</c>); <paramref name="open"/> opens the
    /// temporary file for writing (tests pass one that fails on purpose).
    /// </remarks>
    public static void Write(string path, string operation, Action<Stream> write, Func<string, Stream>? open = null)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Stream stream;
            try
            {
                stream = (open ?? Create)(temp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CannotWrite(operation, path, directory, temp, e);
            }
            using (stream)
            {
                write(stream);
                if (stream is FileStream file)
                    file.Flush(flushToDisk: true);   // on disk before the rename makes it the checkpoint
                else
                    stream.Flush();
            }
            try
            {
                File.Move(temp, full, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw CannotWrite(operation, path, directory, temp, e);
            }
        }
        catch
        {
            if (File.Exists(temp))
                File.Delete(temp);
            throw;
        }
    }

    private static FileStream Create(string temp) => new(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);

    private static Exception CannotWrite(string operation, string path, string directory, string temp, Exception e) => e switch
    {
        DirectoryNotFoundException => new DirectoryNotFoundException($"{operation}: cannot write {path}: the directory {directory} does not exist.", e),
        UnauthorizedAccessException => new UnauthorizedAccessException($"{operation}: cannot write {path}: access to {directory} is denied.", e),
        _ => new IOException($"{operation}: cannot write {path}: {e.Message.Replace(temp, path)}", e),
    };
}
