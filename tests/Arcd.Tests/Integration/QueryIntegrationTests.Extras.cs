using System.Buffers;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using MessagePack;

namespace Arcd.Tests.Integration;

/// <summary>Arc 26.09's query extras: SHOW on every path, msgpack answers, GET /query/{m}, response compression, cancellation.</summary>
public sealed partial class QueryIntegrationTests
{
    private async Task<(HttpStatusCode Status, byte[] Body, HttpResponseMessage Response)> RawAsync(string sql, string path, params (string, string)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(SqlBody(sql), Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        var response = await _daemon.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response);
    }

    /// <summary>A msgpack map read key by key with MessagePack's reader (no resolvers).</summary>
    private static Dictionary<string, object?> ReadMap(byte[] body, List<string>? keyOrder = null)
    {
        var reader = new MessagePackReader(body);
        var map = (Dictionary<string, object?>)ReadValue(ref reader, keyOrder)!;
        Assert.True(reader.End, "bytes after the map");
        return map;
    }

    private static object? ReadValue(ref MessagePackReader reader, List<string>? keyOrder = null)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil: reader.ReadNil(); return null;
            case MessagePackType.Boolean: return reader.ReadBoolean();
            case MessagePackType.Integer:
                var code = reader.NextCode;
                if (code == MessagePackCode.UInt64) return ("uint64-block", reader.ReadUInt64());
                if (code == MessagePackCode.Int64) return ("int64-block", reader.ReadInt64());
                return reader.ReadInt64();
            case MessagePackType.Float: return reader.ReadDouble();
            case MessagePackType.String: return reader.ReadString();
            case MessagePackType.Binary: return reader.ReadBytes()!.Value.ToArray();
            case MessagePackType.Extension:
                var header = reader.ReadExtensionFormatHeader();
                Assert.Equal(-1, header.TypeCode);
                var bytes = reader.ReadRaw(header.Length).ToArray();
                return ("timestamp", header.Length, bytes);
            case MessagePackType.Array:
                var count = reader.ReadArrayHeader();
                var list = new List<object?>();
                for (var i = 0; i < count; i++) list.Add(ReadValue(ref reader));
                return list;
            case MessagePackType.Map:
                var n = reader.ReadMapHeader();
                var map = new Dictionary<string, object?>();
                for (var i = 0; i < n; i++)
                {
                    var key = reader.ReadString()!;
                    keyOrder?.Add(key);
                    map[key] = ReadValue(ref reader);
                }
                return map;
            default: throw new InvalidDataException(reader.NextMessagePackType.ToString());
        }
    }

    private static DateTime TimestampOf(object? value)
    {
        var (_, length, bytes) = ((string, uint, byte[]))value!;
        return length switch
        {
            4 => DateTime.UnixEpoch.AddSeconds(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes)),
            8 => DateTime.UnixEpoch.AddSeconds(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes) & 0x3_FFFF_FFFF)
                .AddTicks((long)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 34) / 100),
            _ => throw new InvalidDataException($"timestamp of {length} bytes"),
        };
    }

    [Fact]
    public async Task Show_answers_on_the_json_arrow_and_msgpack_paths()
    {
        // JSON (the envelope) was covered above; Arrow: a stream with Arc's columns, read by Apache.Arrow.
        var (status, body, _) = await RawAsync("SHOW DATABASES", "/api/v1/query/arrow");
        Assert.Equal(HttpStatusCode.OK, status);
        using (var reader = new ArrowStreamReader(new MemoryStream(body)))
        {
            using var batch = await reader.ReadNextRecordBatchAsync();
            Assert.Equal(["database"], reader.Schema.FieldsList.Select(f => f.Name));
            Assert.Equal("prod", ((StringArray)batch.Column(0)).GetString(0));
        }
        (status, body, _) = await RawAsync("SHOW TABLES", "/api/v1/query/arrow", ("x-arc-database", "prod"));
        Assert.Equal(HttpStatusCode.OK, status);
        using (var reader = new ArrowStreamReader(new MemoryStream(body)))
        {
            using var batch = await reader.ReadNextRecordBatchAsync();
            Assert.Equal(["database", "table_name", "storage_path", "file_count", "total_size_mb"], reader.Schema.FieldsList.Select(f => f.Name));
            var tables = (StringArray)batch.Column("table_name");
            Assert.Equal(["cpu", "mem"], Enumerable.Range(0, batch.Length).Select(i => tables.GetString(i)));
            Assert.True(((Int64Array)batch.Column("file_count")).GetValue(0) >= 1);
        }

        (status, body, var response) = await RawAsync("SHOW MEASUREMENTS FROM prod", "/api/v1/query/msgpack");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/msgpack", response.Content.Headers.ContentType?.MediaType);
        var keys = new List<string>();
        var map = ReadMap(body, keys);
        Assert.Equal(["success", "columns", "types", "data", "row_count", "execution_time_ms", "timestamp"], keys);
        Assert.Equal(["utf8", "utf8", "utf8", "int64", "float64"], ((List<object?>)map["types"]!).Cast<string>());
        var data = (List<object?>)map["data"]!;
        Assert.Equal(5, data.Count); // column-major
        Assert.Equal(["cpu", "mem"], ((List<object?>)data[1]!).Cast<string>());
        Assert.Equal(2L, map["row_count"]);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("1")]
    public async Task Arrow_dictionary_encodes_low_cardinality_strings_and_resends_a_grown_dictionary(string header)
    {
        // host has two values in the first batch; label gains new ones after row 3000 (a later batch), so its dictionary is re-sent.
        const string sql = "SELECT a.time, a.host, CASE WHEN row_number() OVER (ORDER BY a.time, b.time) > 3000 THEN 'late-' || (b.n % 3) ELSE 'early' END AS label, " +
                           "CAST(a.time AS VARCHAR) || CAST(b.time AS VARCHAR) AS unique_text FROM prod.cpu a, prod.cpu b ORDER BY a.time, b.time";
        var (status, body, response) = await RawAsync(sql, "/api/v1/query/arrow", ("x-arc-arrow-dictionary", header));
        using (response) Assert.Equal(HttpStatusCode.OK, status);
        var (plainStatus, plain, plainResponse) = await RawAsync(sql, "/api/v1/query/arrow");
        using (plainResponse) Assert.Equal(HttpStatusCode.OK, plainStatus);

        using var reader = new ArrowStreamReader(new MemoryStream(body));
        using var expected = new ArrowStreamReader(new MemoryStream(plain));
        var rows = 0;
        var batches = 0;
        while (await reader.ReadNextRecordBatchAsync() is { } batch)
        {
            using (batch)
            {
                batches++;
                Assert.IsType<DictionaryType>(reader.Schema.GetFieldByName("host").DataType);
                Assert.IsType<DictionaryType>(reader.Schema.GetFieldByName("label").DataType);
                Assert.IsType<StringType>(reader.Schema.GetFieldByName("unique_text").DataType); // too many distinct values
                var host = (DictionaryArray)batch.Column("host");
                var label = (DictionaryArray)batch.Column("label");
                var text = (StringArray)batch.Column("unique_text");
                for (var i = 0; i < batch.Length; i++, rows++)
                {
                    var (plainBatch, index) = await RowAsync(expected, rows);
                    Assert.Equal(((StringArray)plainBatch.Column("host")).GetString(index), Decode(host, i));
                    Assert.Equal(((StringArray)plainBatch.Column("label")).GetString(index), Decode(label, i));
                    Assert.Equal(((StringArray)plainBatch.Column("unique_text")).GetString(index), text.GetString(i));
                }
            }
        }
        Assert.Equal(3 * RowsPerHour * 3 * RowsPerHour, rows);
        Assert.True(batches > 1);
    }

    private RecordBatch? _plainBatch;
    private int _plainStart;

    /// <summary>Row <paramref name="row"/> of the plain stream, read forward batch by batch.</summary>
    private async Task<(RecordBatch Batch, int Index)> RowAsync(ArrowStreamReader reader, int row)
    {
        while (_plainBatch is null || row >= _plainStart + _plainBatch.Length)
        {
            if (_plainBatch is not null) _plainStart += _plainBatch.Length;
            _plainBatch = await reader.ReadNextRecordBatchAsync() ?? throw new InvalidOperationException("plain stream ended early");
        }
        return (_plainBatch, row - _plainStart);
    }

    private static string? Decode(DictionaryArray column, int i)
    {
        if (column.IsNull(i)) return null;
        var code = ((Int32Array)column.Indices).GetValue(i)!.Value;
        return ((StringArray)column.Dictionary).GetString(code);
    }

    [Fact]
    public async Task Msgpack_query_is_column_major_with_arcs_value_encodings()
    {
        var (status, body, _) = await RawAsync(
            "SELECT time, host, usage, n, n::INTEGER AS small, 7::UBIGINT AS u, DATE '2024-01-02' AS d FROM prod.cpu ORDER BY time LIMIT 3", "/api/v1/query/msgpack");
        Assert.Equal(HttpStatusCode.OK, status);
        var keys = new List<string>();
        var map = ReadMap(body, keys);
        Assert.Equal(["success", "columns", "types", "data", "row_count", "execution_time_ms", "timestamp"], keys);
        Assert.Equal(true, map["success"]);
        Assert.Equal(["time", "host", "usage", "n", "small", "u", "d"], ((List<object?>)map["columns"]!).Cast<string>());
        Assert.Equal(["timestamp[us]", "utf8", "float64", "int64", "int32", "uint64", "date32"], ((List<object?>)map["types"]!).Cast<string>());
        var data = ((List<object?>)map["data"]!).Cast<List<object?>>().ToList();
        Assert.Equal(3, data[0].Count);
        Assert.Equal(DateTime.UnixEpoch.AddTicks(BaseMicros * 10), TimestampOf(data[0][0]));
        Assert.Equal(DateTime.UnixEpoch.AddTicks((BaseMicros + 1_000_000) * 10), TimestampOf(data[0][1]));
        Assert.Equal(4u, (((string, uint, byte[]))data[0][0]!).Item2); // whole seconds: the 4-byte form
        Assert.Equal(["h0", "h1", "h0"], data[1].Cast<string>());
        Assert.True(double.IsNaN((double)data[2][0]!)); // a float64 stays a float64 (the JSON envelope writes NaN as null)
        Assert.Equal(new object?[] { null, ("int64-block", 1L), ("int64-block", 2L) }, data[3]); // int64: always 9 bytes
        Assert.Equal(new object?[] { null, 1L, 2L }, data[4]); // int32: compact
        Assert.Equal(("uint64-block", 7UL), data[5][0]);
        Assert.Equal(new DateTime(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc), TimestampOf(data[6][0]));
        Assert.Equal(3L, map["row_count"]);

        (status, body, var response) = await RawAsync("SELECT nope FROM prod.cpu", "/api/v1/query/msgpack");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/msgpack", response.Content.Headers.ContentType?.MediaType);
        keys.Clear();
        var error = ReadMap(body, keys);
        Assert.Equal(["success", "error", "execution_time_ms", "timestamp"], keys);
        Assert.Equal(false, error["success"]);
        Assert.Contains("Binder Error", (string)error["error"]!);

        (status, body, _) = await RawAsync("SELECT * FROM prod.nothing", "/api/v1/query/msgpack");
        Assert.Equal(HttpStatusCode.OK, status);
        var empty = ReadMap(body);
        Assert.Empty((List<object?>)empty["columns"]!);
        Assert.Equal(0L, empty["row_count"]);
    }

    [Fact]
    public async Task Get_query_by_measurement_takes_arcs_parameters()
    {
        using (var doc = JsonDocument.Parse(await _daemon.Client.GetStringAsync("/api/v1/query/cpu?database=prod&limit=2&order_by=time%20ASC&where=host%20%3D%20'h1'")))
        {
            var root = doc.RootElement;
            Assert.True(root.GetProperty("success").GetBoolean());
            Assert.Equal(2, root.GetProperty("row_count").GetInt32());
            var time = root.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList().IndexOf("time");
            Assert.Equal("2023-11-14T23:00:01Z", root.GetProperty("data")[0][time].GetString());
        }
        using (var doc = JsonDocument.Parse(await _daemon.Client.GetStringAsync("/api/v1/query/cpu?database=prod")))
        {
            Assert.Equal(100, doc.RootElement.GetProperty("row_count").GetInt32()); // limit 100, newest first
            var time = doc.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList().IndexOf("time");
            Assert.Equal("2023-11-15T01:01:39Z", doc.RootElement.GetProperty("data")[0][time].GetString());
        }
        foreach (var (query, message) in new[]
                 {
                     ("cpu?database=prod&limit=2000000", "Invalid limit"),
                     ("cpu?database=prod&offset=-1", "Invalid offset"),
                     ("cpu?database=prod&order_by=time%3B%20DROP", "Invalid order_by"),
                     ("cpu?database=prod&where=created_at%20%3E%200", "Invalid where clause"),
                     ("cpu?database=prod&where=(host%20%3D%20'h1'", "Invalid where clause"),
                     ("cpu?database=..%2Fetc", "Invalid database name"),
                 })
        {
            using var response = await _daemon.Client.GetAsync("/api/v1/query/" + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.False(doc.RootElement.GetProperty("success").GetBoolean());
            Assert.StartsWith(message, doc.RootElement.GetProperty("error").GetString());
        }
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip, deflate, br, zstd", "zstd")]
    [InlineData("zstd;q=0, gzip", "gzip")]
    [InlineData("deflate, br", null)]
    public async Task Json_and_msgpack_bodies_are_compressed_as_negotiated(string acceptEncoding, string? expected)
    {
        foreach (var path in new[] { "/api/v1/query", "/api/v1/query/msgpack" })
        {
            var (status, body, response) = await RawAsync("SELECT * FROM prod.cpu ORDER BY time", path, ("Accept-Encoding", acceptEncoding));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains("Accept-Encoding", response.Headers.Vary);
            Assert.Equal(expected is null ? [] : [expected], response.Content.Headers.ContentEncoding);
            var plain = expected switch
            {
                "gzip" => Decompress(new GZipStream(new MemoryStream(body), CompressionMode.Decompress)),
                "zstd" => Decompress(new ZstdSharp.DecompressionStream(new MemoryStream(body))),
                _ => body,
            };
            if (path == "/api/v1/query")
            {
                using var doc = JsonDocument.Parse(plain);
                Assert.Equal(3 * RowsPerHour, doc.RootElement.GetProperty("row_count").GetInt32());
            }
            else Assert.Equal((long)(3 * RowsPerHour), ReadMap(plain)["row_count"]);
        }
        // Errors are never compressed.
        var (_, errorBody, errorResponse) = await RawAsync("SELECT nope FROM prod.cpu", "/api/v1/query", ("Accept-Encoding", acceptEncoding));
        Assert.Empty(errorResponse.Content.Headers.ContentEncoding);
        Assert.Contains("Binder Error", Encoding.UTF8.GetString(errorBody));
    }

    [Fact]
    public async Task A_query_whose_client_disconnects_is_interrupted_and_counted()
    {
        using var temp = new Support.TempDirectory();
        // One query thread and a five-minute timeout: only the interrupt can free the thread for the next query.
        await using var daemon = await Support.DaemonProcess.StartAsync(temp.Path, ["--Query:MaxConcurrent=1", "--Query:Timeout=00:05:00"]);
        async Task<long> Outcome(string outcome)
        {
            var metrics = await daemon.Client.GetStringAsync("/metrics");
            var line = metrics.Split('\n').Single(l => l.StartsWith($"arcd_queries_total{{outcome=\"{outcome}\"}}", StringComparison.Ordinal));
            return long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var sql in new[]
                 {
                     "SELECT count(*) FROM range(1000000000000) a WHERE a.range = -1",
                     "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT max(n) FROM t",
                 })
        {
            var before = await Outcome("cancelled");
            using (var leaving = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/query") { Content = new StringContent(SqlBody(sql), Encoding.UTF8, "application/json") };
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => daemon.Client.SendAsync(request, leaving.Token));
            }
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await Outcome("cancelled") == before && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.Equal(before + 1, await Outcome("cancelled"));
            // The only query thread is free again.
            var next = new HttpRequestMessage(HttpMethod.Post, "/api/v1/query") { Content = new StringContent(SqlBody("SELECT 42 AS x"), Encoding.UTF8, "application/json") };
            using var answer = await daemon.Client.SendAsync(next);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
        Assert.Equal(0, await Outcome("timed_out"));
    }

    private static byte[] Decompress(Stream stream)
    {
        using (stream)
        using (var plain = new MemoryStream())
        {
            stream.CopyTo(plain);
            return plain.ToArray();
        }
    }
}
