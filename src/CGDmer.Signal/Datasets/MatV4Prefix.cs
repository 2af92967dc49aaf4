using System.Buffers.Binary;
using System.Text;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Signal.Datasets;

/// <summary>
/// Checks the MATLAB v4 matrix header that precedes the samples of a PhysioNet <c>.mat</c> signal file (WFDB format
/// <c>16+24</c>): five little-endian int32 (type, rows, columns, imaginary flag, name length) and the NUL-terminated
/// variable name. The WFDB header alone cannot tell a foreign or damaged file from a good one, this prefix can.
/// </summary>
internal static class MatV4Prefix
{
    /// <summary>Type code 0·1000 + 0·100 + 3·10 + 0: little-endian IEEE, int16 elements, full numeric matrix.</summary>
    public const int Int16LittleEndianMatrix = 30;

    /// <summary>
    /// Throws <see cref="WfdbFormatException"/> naming <paramref name="path"/> unless the file starts with the header of an
    /// int16 matrix called <paramref name="variable"/> of <paramref name="rows"/> × <paramref name="columns"/> (columns not
    /// checked when 0) whose data begins at <paramref name="dataOffset"/>; <see cref="FileNotFoundException"/> when absent.
    /// </summary>
    public static void Validate(string path, string variable, int rows, long columns, int dataOffset)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"MATLAB v4 signal file not found: {path}", path);
        if (dataOffset <= 20 || dataOffset > 4096)
            throw new WfdbFormatException(path, $"byte offset {dataOffset} cannot hold a MATLAB v4 header (20 bytes and a name).");
        var head = new byte[dataOffset];
        int n;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (IOException e)
        {
            throw new WfdbFormatException(path, $"cannot read signal file: {e.Message}", e);
        }
        if (n < 20) throw new WfdbFormatException(path, $"file has {n} bytes, too short for a MATLAB v4 header (20 bytes and a name).");
        var h = head.AsSpan();
        int type = BinaryPrimitives.ReadInt32LittleEndian(h);
        int r = BinaryPrimitives.ReadInt32LittleEndian(h[4..]);
        long c = BinaryPrimitives.ReadInt32LittleEndian(h[8..]);
        int imag = BinaryPrimitives.ReadInt32LittleEndian(h[12..]);
        int nameLength = BinaryPrimitives.ReadInt32LittleEndian(h[16..]);
        if (type != Int16LittleEndianMatrix)
            throw new WfdbFormatException(path, $"not a MATLAB v4 little-endian int16 matrix (type {type}, expected {Int16LittleEndianMatrix}).");
        if (imag != 0) throw new WfdbFormatException(path, "MATLAB v4 matrix is complex; a signal file holds real samples.");
        if (20L + nameLength != dataOffset)
            throw new WfdbFormatException(path, $"MATLAB v4 header is {20L + nameLength} bytes long but the WFDB header puts the samples at byte {dataOffset}.");
        if (n < 20 + nameLength) throw new WfdbFormatException(path, "file ends inside the MATLAB v4 variable name.");
        var name = h.Slice(20, nameLength);
        if (name[^1] != 0 || Encoding.ASCII.GetString(name[..^1]) != variable)
            throw new WfdbFormatException(path, $"MATLAB v4 variable is '{Encoding.Latin1.GetString(name).TrimEnd('\0')}', expected '{variable}'.");
        if (r != rows || (columns > 0 && c != columns))
            throw new WfdbFormatException(path, $"MATLAB v4 matrix is {r}×{c}, the WFDB header describes {rows}×{columns} (signals × samples).");
    }
}
