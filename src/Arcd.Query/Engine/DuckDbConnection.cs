using System.Runtime.InteropServices;
using Apache.Arrow;
using Apache.Arrow.C;

namespace Arcd.Query.Engine;

/// <summary>An in-memory DuckDB database; its connections share its catalog, settings and caches.</summary>
public sealed class DuckDbDatabase : IDisposable
{
    private nint _handle;

    public DuckDbDatabase()
    {
        if (DuckDbNative.Open(null, out _handle) != DuckDbNative.Success) throw new DuckDbException("duckdb_open failed");
    }

    public DuckDbConnection Connect()
    {
        if (DuckDbNative.Connect(_handle, out var connection) != DuckDbNative.Success) throw new DuckDbException("duckdb_connect failed");
        return new DuckDbConnection(connection);
    }

    public void Dispose()
    {
        if (_handle != 0) DuckDbNative.Close(ref _handle);
    }
}

/// <summary>One DuckDB connection: run a statement, or stream a result as Arrow record batches.</summary>
public sealed unsafe class DuckDbConnection : IDisposable
{
    private nint _handle;

    internal DuckDbConnection(nint handle) => _handle = handle;

    /// <summary>Stops whatever runs on this connection; safe from any thread. The running call fails with "INTERRUPT Error".</summary>
    public void Interrupt() => DuckDbNative.Interrupt(_handle);

    /// <summary>Runs a statement whose result is not needed (settings).</summary>
    public void Execute(string sql)
    {
        var result = NativeMemory.AllocZeroed(DuckDbNative.ResultSize);
        try
        {
            if (DuckDbNative.Query(_handle, sql, result) != DuckDbNative.Success)
                throw new DuckDbException(DuckDbNative.Text(DuckDbNative.ResultError(result)));
        }
        finally
        {
            DuckDbNative.DestroyResult(result);
            NativeMemory.Free(result);
        }
    }

    /// <summary>Starts <paramref name="sql"/> as a streaming query; rows are computed as batches are read.</summary>
    public ArrowResult Stream(string sql)
    {
        if (DuckDbNative.Prepare(_handle, sql, out var statement) != DuckDbNative.Success)
        {
            var message = DuckDbNative.Text(DuckDbNative.PrepareError(statement));
            DuckDbNative.DestroyPrepare(ref statement);
            throw new DuckDbException(message);
        }
        var result = NativeMemory.AllocZeroed(DuckDbNative.ResultSize);
        try
        {
            var state = DuckDbNative.ExecutePreparedStreaming(statement, result);
            if (state != DuckDbNative.Success)
            {
                var message = DuckDbNative.Text(DuckDbNative.ResultError(result));
                DuckDbNative.DestroyResult(result);
                NativeMemory.Free(result);
                throw new DuckDbException(message);
            }
        }
        finally
        {
            DuckDbNative.DestroyPrepare(ref statement);
        }
        return new ArrowResult(result);
    }

    public void Dispose()
    {
        if (_handle != 0) DuckDbNative.Disconnect(ref _handle);
    }
}

/// <summary>A streaming DuckDB result read as Arrow: its schema, then one record batch per DuckDB chunk.</summary>
public sealed unsafe class ArrowResult : IDisposable
{
    private void* _result;
    private nint _options;

    internal ArrowResult(void* result)
    {
        _result = result;
        _options = DuckDbNative.ResultGetArrowOptions(result);
        Schema = ReadSchema();
    }

    public Schema Schema { get; }

    private Schema ReadSchema()
    {
        var count = DuckDbNative.ColumnCount(_result);
        var types = new nint[count];
        var names = new nint[count];
        var schema = CArrowSchema.Create();
        try
        {
            for (var i = 0UL; i < count; i++)
            {
                types[i] = DuckDbNative.ColumnLogicalType(_result, i);
                names[i] = (nint)DuckDbNative.ColumnName(_result, i);
            }
            fixed (nint* typesPointer = types)
            fixed (nint* namesPointer = names)
                DuckDbNative.ThrowIfError(DuckDbNative.ToArrowSchema(_options, typesPointer, (byte**)namesPointer, count, schema));
            return CArrowSchemaImporter.ImportSchema(schema);
        }
        finally
        {
            for (var i = 0; i < types.Length; i++)
                if (types[i] != 0) DuckDbNative.DestroyLogicalType(ref types[i]);
            CArrowSchema.Free(schema);
        }
    }

    /// <summary>The next batch, or null at the end; throws <see cref="DuckDbException"/> if the query failed or was interrupted.</summary>
    public RecordBatch? Next()
    {
        var chunk = DuckDbNative.FetchChunk(*(DuckDbNative.Result*)_result);
        if (chunk == 0)
        {
            var error = DuckDbNative.ResultError(_result);
            if (error is not null) throw new DuckDbException(DuckDbNative.Text(error));
            return null;
        }
        var array = CArrowArray.Create();
        try
        {
            DuckDbNative.ThrowIfError(DuckDbNative.DataChunkToArrow(_options, chunk, array));
            return CArrowArrayImporter.ImportRecordBatch(array, Schema);
        }
        finally
        {
            DuckDbNative.DestroyDataChunk(ref chunk);
            CArrowArray.Free(array);
        }
    }

    public void Dispose()
    {
        if (_result is null) return;
        if (_options != 0) DuckDbNative.DestroyArrowOptions(ref _options);
        DuckDbNative.DestroyResult(_result);
        NativeMemory.Free(_result);
        _result = null;
    }
}
