using System.Runtime.InteropServices;

namespace Arcd.Query.Engine;

/// <summary>
/// Linux Landlock for the query threads: after <see cref="ForbidWritesOnThisThread"/>, the calling
/// thread and every thread it starts later (DuckDB's workers among them) can no longer create,
/// write, truncate, rename or delete any file, nor open TCP connections. The rest of arcd keeps
/// its rights. This is what makes "DuckDB can write nowhere" hold even for a statement that got
/// past the SQL checks, which DuckDB's own settings cannot promise: its allowed directories are
/// as writable as they are readable.
/// </summary>
internal static partial class Landlock
{
    private const long SysCreateRuleset = 444; // the same number on every Linux architecture
    private const long SysRestrictSelf = 446;
    private const nint CreateRulesetVersion = 1;
    private const int PrSetNoNewPrivs = 38;

    private const ulong WriteFile = 1UL << 1;
    private const ulong RemoveDir = 1UL << 4;
    private const ulong RemoveFile = 1UL << 5;
    private const ulong MakeChar = 1UL << 6;
    private const ulong MakeDir = 1UL << 7;
    private const ulong MakeReg = 1UL << 8;
    private const ulong MakeSock = 1UL << 9;
    private const ulong MakeFifo = 1UL << 10;
    private const ulong MakeBlock = 1UL << 11;
    private const ulong MakeSym = 1UL << 12;
    private const ulong Refer = 1UL << 13;    // ABI 2
    private const ulong Truncate = 1UL << 14; // ABI 3
    private const ulong NetBindTcp = 1UL << 0; // ABI 4
    private const ulong NetConnectTcp = 1UL << 1;

    /// <summary>Null when the restriction is in force; otherwise why it could not be applied.</summary>
    public static unsafe string? ForbidWritesOnThisThread()
    {
        if (!OperatingSystem.IsLinux()) return "Landlock is Linux-only";
        var abi = Syscall(SysCreateRuleset, 0, 0, CreateRulesetVersion);
        if (abi < 1) return $"Landlock is not available in this kernel (errno {Marshal.GetLastPInvokeError()})";

        var fs = WriteFile | RemoveDir | RemoveFile | MakeChar | MakeDir | MakeReg | MakeSock | MakeFifo | MakeBlock | MakeSym;
        if (abi >= 2) fs |= Refer;
        if (abi >= 3) fs |= Truncate;
        var attributes = stackalloc ulong[2];
        attributes[0] = fs;
        attributes[1] = abi >= 4 ? NetBindTcp | NetConnectTcp : 0;
        var size = abi >= 4 ? 16 : 8;
        // No rule is added: every handled right is denied everywhere.
        var ruleset = Syscall(SysCreateRuleset, (nint)attributes, size, 0);
        if (ruleset < 0) return $"landlock_create_ruleset failed (errno {Marshal.GetLastPInvokeError()})";
        try
        {
            if (Prctl(PrSetNoNewPrivs, 1, 0, 0, 0) != 0) return $"prctl(PR_SET_NO_NEW_PRIVS) failed (errno {Marshal.GetLastPInvokeError()})";
            if (Syscall(SysRestrictSelf, (nint)ruleset, 0, 0) != 0) return $"landlock_restrict_self failed (errno {Marshal.GetLastPInvokeError()})";
            return null;
        }
        finally
        {
            Close((int)ruleset);
        }
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint arg1, nint arg2, nint arg3);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}

