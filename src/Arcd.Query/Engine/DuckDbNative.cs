using System.Runtime.InteropServices;

namespace Arcd.Query.Engine;

/// <summary>
/// The part of DuckDB's C API arcd uses (libduckdb from DuckDB.NET.Bindings.Full, shipped next to
/// the binary). Binding it directly, rather than through DuckDB.NET's ADO.NET layer, keeps
/// System.Data and System.Xml out of the daemon (measured: 2.7 MB of binary and 2.2 MiB of idle
/// RSS) and leaves only the Arrow path, which is all the query API needs. libduckdb is loaded by
/// the first call, i.e. the first query.
/// </summary>
internal static unsafe partial class DuckDbNative
{
    private const string Library = "duckdb";

    public const int Success = 0;

    /// <summary><c>duckdb_result</c>: six pointer-sized fields; only DuckDB reads them.</summary>
    public const int ResultSize = 48;

    [LibraryImport(Library, EntryPoint = "duckdb_open", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string? path, out nint database);

    [LibraryImport(Library, EntryPoint = "duckdb_close")]
    public static partial void Close(ref nint database);

    [LibraryImport(Library, EntryPoint = "duckdb_connect")]
    public static partial int Connect(nint database, out nint connection);

    [LibraryImport(Library, EntryPoint = "duckdb_disconnect")]
    public static partial void Disconnect(ref nint connection);

    [LibraryImport(Library, EntryPoint = "duckdb_interrupt")]
    public static partial void Interrupt(nint connection);

    [LibraryImport(Library, EntryPoint = "duckdb_query", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Query(nint connection, string sql, void* result);

    [LibraryImport(Library, EntryPoint = "duckdb_prepare", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Prepare(nint connection, string sql, out nint statement);

    [LibraryImport(Library, EntryPoint = "duckdb_prepare_error")]
    public static partial byte* PrepareError(nint statement);

    [LibraryImport(Library, EntryPoint = "duckdb_destroy_prepare")]
    public static partial void DestroyPrepare(ref nint statement);

    [LibraryImport(Library, EntryPoint = "duckdb_execute_prepared_streaming")]
    public static partial int ExecutePreparedStreaming(nint statement, void* result);

    [LibraryImport(Library, EntryPoint = "duckdb_result_error")]
    public static partial byte* ResultError(void* result);

    [LibraryImport(Library, EntryPoint = "duckdb_destroy_result")]
    public static partial void DestroyResult(void* result);

    [LibraryImport(Library, EntryPoint = "duckdb_column_count")]
    public static partial ulong ColumnCount(void* result);

    [LibraryImport(Library, EntryPoint = "duckdb_column_name")]
    public static partial byte* ColumnName(void* result, ulong column);

    [LibraryImport(Library, EntryPoint = "duckdb_column_logical_type")]
    public static partial nint ColumnLogicalType(void* result, ulong column);

    [LibraryImport(Library, EntryPoint = "duckdb_destroy_logical_type")]
    public static partial void DestroyLogicalType(ref nint type);

    /// <summary>Takes the result struct by value, as the C API does.</summary>
    [LibraryImport(Library, EntryPoint = "duckdb_fetch_chunk")]
    public static partial nint FetchChunk(Result result);

    [LibraryImport(Library, EntryPoint = "duckdb_destroy_data_chunk")]
    public static partial void DestroyDataChunk(ref nint chunk);

    [LibraryImport(Library, EntryPoint = "duckdb_result_get_arrow_options")]
    public static partial nint ResultGetArrowOptions(void* result);

    [LibraryImport(Library, EntryPoint = "duckdb_destroy_arrow_options")]
    public static partial void DestroyArrowOptions(ref nint options);

    [LibraryImport(Library, EntryPoint = "duckdb_to_arrow_schema")]
    public static partial nint ToArrowSchema(nint options, nint* types, byte** names, ulong count, void* outSchema);

    [LibraryImport(Library, EntryPoint = "duckdb_data_chunk_to_arrow")]
    public static partial nint DataChunkToArrow(nint options, nint chunk, void* outArray);

    [LibraryImport(Library, EntryPoint = "duckdb_error_data_has_error")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ErrorDataHasError(nint error);

    [LibraryImport(Library, EntryPoint = "duckdb_error_data_message")]
    public static partial byte* ErrorDataMessage(nint error);

    [LibraryImport(Library, EntryPoint = "duckdb_destroy_error_data")]
    public static partial void DestroyErrorData(ref nint error);

    /// <summary>The C <c>duckdb_result</c>, for the one function that takes it by value.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Result
    {
        public nint ColumnCount;
        public nint RowCount;
        public nint RowsChanged;
        public nint Columns;
        public nint ErrorMessage;
        public nint InternalData;
    }

    public static string Text(byte* utf8) => utf8 is null ? "" : Marshal.PtrToStringUTF8((nint)utf8) ?? "";

    /// <summary>Throws with DuckDB's message when <paramref name="error"/> holds one; frees it either way.</summary>
    public static void ThrowIfError(nint error)
    {
        if (error == 0) return;
        try
        {
            if (ErrorDataHasError(error)) throw new DuckDbException(Text(ErrorDataMessage(error)));
        }
        finally
        {
            DestroyErrorData(ref error);
        }
    }
}

/// <summary>An error DuckDB reported, with its message ("Binder Error: ...").</summary>
public sealed class DuckDbException(string message) : Exception(message);
