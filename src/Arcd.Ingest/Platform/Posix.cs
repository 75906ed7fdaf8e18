using System.Runtime.InteropServices;

namespace Arcd.Ingest.Platform;

/// <summary>
/// The one durability call .NET does not expose: fsync of a directory, which makes a rename
/// (and a newly created entry) survive power loss.
/// </summary>
internal static partial class Posix
{
    private const int ReadOnly = 0;

    public static void FsyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = Open(path, ReadOnly);
        if (fd < 0) throw new IOException($"open('{path}') for fsync failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync('{path}') failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>fdatasync on Linux (data and the size, not the timestamps); fsync elsewhere.</summary>
    public static void DataSync(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        if (OperatingSystem.IsWindows())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }
        var fd = (int)handle.DangerousGetHandle();
        var result = OperatingSystem.IsLinux() ? FDataSync(fd) : Fsync(fd);
        if (result != 0) throw new IOException($"fdatasync failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
