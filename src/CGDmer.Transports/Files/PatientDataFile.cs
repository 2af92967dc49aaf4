namespace CGDmer.Transports.Files;

/// <summary>
/// Opens files that hold patient data (NDJSON outputs, dead letters, replay summaries) readable and writable by their
/// owner only (0600 on Unix), whether they are created or overwritten, since the process umask usually gives 0644.
/// </summary>
public static class PatientDataFile
{
    /// <summary>The mode of a patient-data file on Unix: owner read and write.</summary>
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates (or truncates) <paramref name="path"/> for writing, owner-only on Unix; others may read while it is written.</summary>
    public static FileStream Create(string path, int bufferSize = 0)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = bufferSize };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = Mode;
        var stream = new FileStream(path, options);
        // UnixCreateMode applies to a new file only: an existing one (a replay into the same folder) keeps its mode.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(stream.SafeFileHandle, Mode);
        return stream;
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to a patient-data file, replacing it.</summary>
    public static void WriteAllText(string path, string text)
    {
        using var stream = Create(path);
        stream.Write(new System.Text.UTF8Encoding(false).GetBytes(text));
    }
}
