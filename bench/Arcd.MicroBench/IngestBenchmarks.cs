using Arcd.Bench;
using Arcd.Ingest.Columnar;
using Arcd.Ingest.Flush;
using Arcd.Ingest.Parquet;
using Arcd.Ingest.Wal;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;
using BenchmarkDotNet.Attributes;

namespace Arcd.MicroBench;

/// <summary>
/// The data path's stages in memory, on Arc's benchmark shape. Each benchmark names the rows one
/// operation handles (<see cref="RowsPerOperationAttribute"/>) so allocations can be judged per row.
/// </summary>
[MemoryDiagnoser]
public class IngestBenchmarks
{
    private const int RequestRows = 1000;
    private const int BufferBatches = 100; // 100k rows: a buffer as the flush sees it
    private const long Now = 1_700_000_000_000_000;

    private byte[] _columnar = [];
    private byte[] _rows = [];
    private byte[] _lineProtocol = [];
    private List<ColumnBatch> _batches = [];
    private MeasurementBuffer _buffer = null!;
    private TimeOrder _order = null!;
    private TimeOrder _interleaved = null!;
    private long[] _shuffledTimes = [];
    private byte[] _walFrame = [];

    [GlobalSetup]
    public void Setup()
    {
        _columnar = BenchmarkShape.Body("msgpack-columnar", RequestRows, 1);
        _rows = BenchmarkShape.Body("msgpack-row", RequestRows, 1);
        _lineProtocol = BenchmarkShape.Body("line-protocol", RequestRows, 1);
        // One measurement only, so every batch has the same schema and appends to one buffer.
        for (var seed = 0; _batches.Count < BufferBatches; seed++)
        {
            var body = BenchmarkShape.Body("msgpack-columnar", RequestRows, seed);
            if (!BodyDecoder.TryDecode(BodyFormat.MessagePack, body, TimePrecision.Microseconds, Now, DecodeLimits.Default, out var write, out _))
                throw new InvalidOperationException("benchmark body did not decode");
            if (write!.Batches[0].Measurement == "cpu") _batches.AddRange(write.Detach());
            else write.Dispose();
        }
        _buffer = BuildBuffer();
        _order = TimeOrder.Compute(_buffer.Time);
        var random = new Random(7);
        _shuffledTimes = new long[_buffer.RowCount];
        _buffer.Time.CopyInt64To(_shuffledTimes);
        random.Shuffle(_shuffledTimes);
        // The daemon's buffers hold many clients' rows interleaved in time: their time order is a
        // permutation, not the identity the batches above give.
        var times = new long[_buffer.RowCount];
        _buffer.Time.CopyInt64To(times);
        _interleaved = TimeOrder.Compute(Interleave(times, InterleavedClients));
        _walFrame = new byte[WalFraming.FrameHeaderBytes + WalRecord.PayloadLength("bench", _columnar.Length)];
    }

    /// <summary>Clients whose requests cover the same time span, as a fleet reporting every interval does.</summary>
    private const int InterleavedClients = 32;

    /// <summary>
    /// The buffer's times rearranged so that they arrive as <paramref name="clients"/> sorted runs
    /// over the same span: row i of the time order comes from client i mod clients.
    /// </summary>
    private static long[] Interleave(ReadOnlySpan<long> times, int clients)
    {
        var sorted = times.ToArray();
        Array.Sort(sorted);
        var arrived = new long[sorted.Length];
        var next = 0;
        for (var client = 0; client < clients; client++)
            for (var i = client; i < sorted.Length; i += clients) arrived[next++] = sorted[i];
        return arrived;
    }

    private MeasurementBuffer BuildBuffer()
    {
        var buffer = MeasurementBuffer.StartWith("bench", _batches[0], 0, 0);
        for (var i = 1; i < _batches.Count; i++) buffer.Append(_batches[i], 0);
        return buffer;
    }

    [Benchmark, RowsPerOperation(RequestRows)]
    public int DecodeMsgPackColumnar() => Decode(BodyFormat.MessagePack, _columnar);

    [Benchmark, RowsPerOperation(RequestRows)]
    public int DecodeMsgPackRows() => Decode(BodyFormat.MessagePack, _rows);

    [Benchmark, RowsPerOperation(RequestRows)]
    public int ParseLineProtocol() => Decode(BodyFormat.LineProtocol, _lineProtocol);

    private static int Decode(BodyFormat format, byte[] body)
    {
        if (!BodyDecoder.TryDecode(format, body, TimePrecision.Nanoseconds, Now, DecodeLimits.Default, out var write, out var error))
            throw new InvalidOperationException(error.Message);
        using (write) return write!.TotalRows;
    }

    [Benchmark, RowsPerOperation(RequestRows * BufferBatches)]
    public int AppendToBuffer()
    {
        using var buffer = BuildBuffer();
        return buffer.RowCount;
    }

    [Benchmark, RowsPerOperation(RequestRows * BufferBatches)]
    public int SortByTime()
    {
        using var order = TimeOrder.Compute(_shuffledTimes);
        return order.Count;
    }

    [Benchmark, RowsPerOperation(RequestRows * BufferBatches)]
    public void EncodeParquetSnappy() => ParquetFileWriter.Write(Stream.Null, _buffer, _order, 0, _order.Count, ParquetSettings.Default, null);

    /// <summary>The same buffer encoded through the time order of <see cref="InterleavedClients"/> clients' interleaved rows.</summary>
    [Benchmark, RowsPerOperation(RequestRows * BufferBatches)]
    public void EncodeParquetInterleaved() => ParquetFileWriter.Write(Stream.Null, _buffer, _interleaved, 0, _interleaved.Count, ParquetSettings.Default, null);

    [Benchmark, RowsPerOperation(RequestRows * BufferBatches)]
    public void EncodeParquetZstd() => ParquetFileWriter.Write(Stream.Null, _buffer, _order, 0, _order.Count, new ParquetSettings(ParquetCompression.Zstd), null);

    [Benchmark, RowsPerOperation(RequestRows)]
    public int AppendWalRecord()
    {
        var frame = _walFrame.AsSpan();
        var payload = frame[WalFraming.FrameHeaderBytes..];
        WalRecord.WritePayload(payload, 42, BodyFormat.MessagePack, 0, Now, "bench", _columnar);
        WalFraming.WriteHeader(frame, payload);
        return frame.Length;
    }
}

/// <summary>How many records one operation of a benchmark handles.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RowsPerOperationAttribute(int rows) : Attribute
{
    public int Rows { get; } = rows;
}
