using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>
/// <c>/api/v1/import/{csv,parquet,lp}</c> in the real daemon: Arc's parameters, messages and
/// response shapes; the rows read back by DuckDB straight after the answer (flushed, sorted, split
/// by hour); a bad row or line refused with its number and nothing of the file stored.
/// </summary>
public class ImportIntegrationTests
{
    private static readonly string[] Settings = ["--Compaction:Enabled=false"];

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(DaemonProcess daemon, string path, byte[] file,
        string? database = "db", string fileName = "data", string? token = null)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("ignored"), "comment");
        form.Add(new ByteArrayContent(file), "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = form };
        if (database is not null) request.Headers.Add("x-arc-database", database);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await daemon.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string Rows(string sql) =>
        string.Join("\n", DuckDb.Query(sql).Select(r => string.Join("|", r.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)))));

    [Fact]
    public async Task A_csv_file_is_typed_like_arc_timed_flushed_and_answered_in_arcs_shape()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        var csv = "\uFEFFts,host,value,count,ok,note\n" +
                  "2026-01-01T00:00:00Z,a,1.5,1,true,x\n" +
                  "\n" +
                  "2026-01-01 01:30:00,b,2,,false,\n" +
                  "1767233400,\"c,d\",3.25,7,1,\"say \"\"hi\"\"\"\n" + // 2026-01-01T02:10:00Z in seconds
                  "1767236400500,e,4\n"; // ms, ragged row: 2026-01-01T03:00:00.5Z
        var (status, body) = await ImportAsync(daemon, "/api/v1/import/csv?measurement=cpu&time_column=ts&tags=host", Encoding.UTF8.GetBytes(csv));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("ok", body.GetProperty("status").GetString());
        var result = body.GetProperty("result");
        Assert.Equal("db", result.GetProperty("database").GetString());
        Assert.Equal("cpu", result.GetProperty("measurement").GetString());
        Assert.Equal(4, result.GetProperty("rows_imported").GetInt64());
        Assert.Equal(4, result.GetProperty("partitions_created").GetInt32());
        Assert.Equal("2026-01-01T00:00:00Z", result.GetProperty("time_range_min").GetString());
        Assert.Equal("2026-01-01T03:00:00.5Z", result.GetProperty("time_range_max").GetString());
        Assert.Equal(["time", "host", "value", "count", "ok", "note"], result.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray());
        Assert.True(result.GetProperty("duration_ms").GetInt64() >= 0);

        // Flushed before the answer: the files are there now, one per hour, typed as Arc infers.
        var files = DuckDb.Files(daemon.DataRoot, "db", "cpu");
        Assert.Equal(4, ManagementHttp.ParquetFiles(Path.Combine(daemon.DataRoot, "db", "cpu")).Length);
        Assert.Equal(
            "2026-01-01 00:00:00|a|1.5|1|True|x\n" +
            "2026-01-01 01:30:00|b|2||False|\n" +
            "2026-01-01 02:10:00|c,d|3.25|7|True|say \"hi\"\n" +
            "2026-01-01 03:00:00.5|e|4|||",
            Rows($"SELECT strftime(time, '%Y-%m-%d %H:%M:%S') || CASE WHEN microsecond(time) % 1000000 > 0 THEN '.5' ELSE '' END, host, value, count, ok, note FROM {files} ORDER BY time"));
        Assert.Equal("DOUBLE|BIGINT|BOOLEAN|VARCHAR|VARCHAR",
            Rows($"SELECT typeof(value), typeof(count), typeof(ok), typeof(note), typeof(host) FROM {files} LIMIT 1").Replace('\n', '|'));

        var (_, stats) = await ManagementHttp.GetAsync(daemon, "/api/v1/import/stats");
        Assert.Equal("success", stats.GetProperty("status").GetString());
        Assert.Equal(1, stats.GetProperty("stats").GetProperty("total_requests").GetInt64());
        Assert.Equal(4, stats.GetProperty("stats").GetProperty("total_records").GetInt64());
    }

    [Fact]
    public async Task A_bad_row_refuses_the_whole_file_naming_the_row_and_arcs_checks_answer_400()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        var good = new StringBuilder("time,value\n");
        for (var i = 0; i < 100_000; i++) good.Append(CultureInfo.InvariantCulture, $"{1767225600 + i},{i}\n");
        var bad = good + "yesterday,5\n";
        var (status, body) = await ImportAsync(daemon, "/api/v1/import/csv?measurement=cpu", Encoding.UTF8.GetBytes(bad));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("failed to parse time column \"time\": row 100001 (line 100002): unrecognized timestamp \"yesterday\"", body.GetProperty("error").GetString());
        Assert.False(Directory.Exists(Path.Combine(daemon.DataRoot, "db", "cpu")), "nothing of a refused file is stored");

        async Task Refused(string path, byte[] file, string error, HttpStatusCode code = HttpStatusCode.BadRequest, string? database = "db")
        {
            var (s, b) = await ImportAsync(daemon, path, file, database);
            Assert.True(s == code, $"{path}: {(int)s} {b}");
            Assert.Equal(error, b.GetProperty("error").GetString());
        }
        var ok = "time,value\n1767225600,1\n"u8.ToArray();
        await Refused("/api/v1/import/csv?measurement=cpu", ok, "database is required (set x-arc-database header or db query param)", database: null);
        await Refused("/api/v1/import/csv?measurement=cpu", ok, "invalid database name: must start with a letter and contain only alphanumeric characters, underscores, or hyphens (max 64 characters)", database: "9db");
        await Refused("/api/v1/import/csv", ok, "measurement query parameter is required");
        await Refused("/api/v1/import/csv?measurement=cpu&delimiter=ab", ok, "delimiter must be a single character, got \"ab\"");
        await Refused("/api/v1/import/csv?measurement=cpu&time_column=ts", ok, "time column \"ts\" not found in file; available columns: time, value");
        await Refused("/api/v1/import/csv?measurement=cpu", "time,value,value\n1,2,3\n"u8.ToArray(), "duplicate column name \"value\" in file; column names must be unique");
        await Refused("/api/v1/import/csv?measurement=cpu", "time,value\n"u8.ToArray(), "file contains no rows");
        await Refused("/api/v1/import/lp?precision=h", "cpu v=1 1\n"u8.ToArray(), "invalid precision \"h\": must be ns, us, ms, or s");
        await Refused("/api/v1/import/lp", "# only a comment\n"u8.ToArray(), "no valid line protocol records found in file");
        await Refused("/api/v1/import/lp?measurement=mem", "cpu v=1 1\n"u8.ToArray(), "no records found for measurement \"mem\"");

        using var raw = new HttpRequestMessage(HttpMethod.Post, "/api/v1/import/csv?measurement=cpu") { Content = new StringContent("time,value\n1,2\n") };
        raw.Headers.Add("x-arc-database", "db");
        using var notMultipart = await daemon.Client.SendAsync(raw);
        Assert.Equal(HttpStatusCode.BadRequest, notMultipart.StatusCode);
        Assert.Contains("no file uploaded: use multipart/form-data with field name 'file'", await notMultipart.Content.ReadAsStringAsync());

        var (unreadable, error) = await ImportAsync(daemon, "/api/v1/import/parquet?measurement=cpu", "not parquet"u8.ToArray());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unreadable);
        Assert.StartsWith("failed to read parquet file: ", error.GetProperty("error").GetString());
        Assert.False(Directory.Exists(Path.Combine(daemon.DataRoot, "db")));
        Assert.Empty(Directory.GetFiles(Path.Combine(daemon.DataRoot, ".arcd", "import")));
    }

    [Fact]
    public async Task An_upload_over_import_max_bytes_is_413()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, [.. Settings, "--Import:MaxBytes=1000"]);
        var big = Encoding.UTF8.GetBytes("time,value\n" + string.Concat(Enumerable.Range(0, 200).Select(i => $"{1767225600 + i},{i}\n")));
        var (status, body) = await ImportAsync(daemon, "/api/v1/import/csv?measurement=cpu", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("file exceeds maximum import size of 1000 bytes (Import:MaxBytes)", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_parquet_file_of_every_supported_type_is_imported_and_an_unsupported_column_is_422()
    {
        using var temp = new TempDirectory();
        var file = Path.Combine(temp.Path, "in.parquet");
        DuckDb.Query($"COPY (SELECT TIMESTAMP '2026-02-01 00:00:00' + INTERVAL (i * 90) SECOND AS ts, 'h' || (i % 3) AS host, i::INTEGER AS small, " +
                     $"i::UBIGINT AS big, (i / 4)::FLOAT AS f, i * 0.5 AS d, (i % 2 = 0) AS even, 12.5::DECIMAL(6,2) AS money, 'x'::BLOB AS raw " +
                     $"FROM range(100) t(i)) TO '{file}' (FORMAT parquet, ROW_GROUP_SIZE 16)");
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        var (status, body) = await ImportAsync(daemon, "/api/v1/import/parquet?measurement=m&time_column=ts&tags=host", File.ReadAllBytes(file));
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var result = body.GetProperty("result");
        Assert.Equal(100, result.GetProperty("rows_imported").GetInt64());
        Assert.Equal(3, result.GetProperty("partitions_created").GetInt32()); // 100 × 90 s = 2.5 h
        Assert.Equal("2026-02-01T00:00:00Z", result.GetProperty("time_range_min").GetString());
        Assert.Equal("2026-02-01T02:28:30Z", result.GetProperty("time_range_max").GetString());
        Assert.Equal(["time", "host", "small", "big", "f", "d", "even", "money", "raw"], result.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray());
        var files = DuckDb.Files(daemon.DataRoot, "db", "m");
        Assert.Equal(
            Rows($"SELECT ts, host, small, big, f, d, even, money::DOUBLE, raw::VARCHAR FROM read_parquet('{file}') ORDER BY ts"),
            Rows($"SELECT time, host, small, big, f, d, even, money, raw FROM {files} ORDER BY time"));

        var nested = Path.Combine(temp.Path, "nested.parquet");
        DuckDb.Query($"COPY (SELECT TIMESTAMP '2026-02-01' AS time, [1, 2] AS list) TO '{nested}' (FORMAT parquet)");
        var (refused, error) = await ImportAsync(daemon, "/api/v1/import/parquet?measurement=n", File.ReadAllBytes(nested));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused);
        Assert.StartsWith("unsupported parquet column \"list\": ", error.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Line_protocol_imports_gzip_filter_and_precision_and_a_bad_line_names_its_number_in_the_file()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        // More than one 4 MiB body, so line numbers must carry across bodies.
        var text = new StringBuilder();
        const int lines = 120_000;
        for (var i = 0; i < lines; i++)
            text.Append(CultureInfo.InvariantCulture, $"{(i % 2 == 0 ? "cpu" : "mem")},host=h{i % 10},region=somewhere-far-away-{i % 7} value={i}i,load={i * 0.5} {1767225600 + i}\n");
        Assert.True(text.Length > 8 << 20);
        var gzipped = Gzip(text.ToString());
        var (status, body) = await ImportAsync(daemon, "/api/v1/import/lp?precision=s&measurement=cpu", gzipped);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var result = body.GetProperty("result");
        Assert.Equal(["cpu"], result.GetProperty("measurements").EnumerateArray().Select(m => m.GetString()!).ToArray());
        Assert.Equal(lines / 2, result.GetProperty("rows_imported").GetInt64());
        Assert.Equal("s", result.GetProperty("precision").GetString());
        Assert.False(Directory.Exists(Path.Combine(daemon.DataRoot, "db", "mem")));
        Assert.Equal($"{lines / 2}|{lines / 2}|2026-01-01 00:00:00|h0|{(long)(lines - 2) * (lines / 2) / 2}",
            Rows($"SELECT count(*), count(DISTINCT time), strftime(min(time), '%Y-%m-%d %H:%M:%S'), min(host), sum(value) FROM {DuckDb.Files(daemon.DataRoot, "db", "cpu")}"));

        var broken = text.ToString().Split('\n');
        broken[99_999] = "cpu,host=h1 value= 5";
        var (refused, error) = await ImportAsync(daemon, "/api/v1/import/lp?precision=s", Encoding.UTF8.GetBytes(string.Join('\n', broken)), database: "other");
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.StartsWith("line 100000: ", error.GetProperty("error").GetString());
        Assert.False(Directory.Exists(Path.Combine(daemon.DataRoot, "other")), "nothing of a refused file is stored");
    }

    [Fact]
    public async Task Imports_need_an_admin_token()
    {
        using var temp = new TempDirectory();
        const string admin = "arc_import_admin_token_0123456789abcdef";
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, ["--Auth:Enabled=true", "--Server:Host=127.0.0.1", .. Settings],
            environment: new Dictionary<string, string> { ["ARCD_AUTH_BOOTSTRAP_TOKEN"] = admin });
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/tokens")
        {
            Content = new StringContent("{\"name\":\"writer\",\"permissions\":[\"read\",\"write\"]}", Encoding.UTF8, "application/json"),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        using var created = await daemon.Client.SendAsync(create);
        var writer = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        var file = "time,value\n1767225600,1\n"u8.ToArray();
        var (forbidden, _) = await ImportAsync(daemon, "/api/v1/import/csv?measurement=cpu", file, token: writer);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        var (anonymous, _) = await ImportAsync(daemon, "/api/v1/import/csv?measurement=cpu", file);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous);
        var (ok, body) = await ImportAsync(daemon, "/api/v1/import/csv?measurement=cpu", file, token: admin);
        Assert.True(ok == HttpStatusCode.OK, body.ToString());
    }

    [Fact]
    public async Task The_import_command_uploads_a_file_with_a_progress_bar_on_a_terminal()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, Settings);
        var csv = Path.Combine(temp.Path, "cpu.csv");
        File.WriteAllText(csv, "time,host,value\n" + string.Concat(Enumerable.Range(0, 50_000).Select(i => $"{1767225600 + i},h{i % 5},{i}\n")));
        string[] command = ["dotnet", RepoPaths.DaemonDll, "import", csv, "--database", "db", "--measurement", "cpu", "--tags", "host",
            "--url", $"http://127.0.0.1:{daemon.Port}"];
        var (exit, output) = ChildProcess.Run(command[0], command[1..], temp.Path);
        Assert.True(exit == 0, output);
        Assert.Contains("imported 50,000 rows into db.cpu, 14 hours from 2026-01-01T00:00:00Z to 2026-01-01T13:53:19Z", output);
        Assert.DoesNotContain("%", output); // no bar when stderr is not a terminal

        if (File.Exists("/usr/bin/script"))
        {
            var lp = Path.Combine(temp.Path, "mem.lp.gz");
            File.WriteAllBytes(lp, Gzip(string.Concat(Enumerable.Range(0, 1000).Select(i => $"mem,host=h{i % 3} used={i}i {1767225600 + i}\n"))));
            string[] lpCommand = ["dotnet", RepoPaths.DaemonDll, "import", lp, "--database", "db", "--precision", "s", "--url", $"http://127.0.0.1:{daemon.Port}"];
            var (ttyExit, ttyOutput) = ChildProcess.Run("script", ["-qfec", string.Join(' ', lpCommand.Select(a => $"'{a}'")), "/dev/null"], temp.Path);
            Assert.True(ttyExit == 0, ttyOutput);
            Assert.Contains("100%", ttyOutput);
            Assert.Contains("imported 1,000 rows into db (mem)", ttyOutput);
        }

        var (missing, message) = ChildProcess.Run("dotnet", [RepoPaths.DaemonDll, "import", csv, "--database", "db"], temp.Path);
        Assert.Equal(2, missing);
        Assert.Contains("a csv import needs --measurement", message);
        var (refused, why) = ChildProcess.Run("dotnet", [RepoPaths.DaemonDll, "import", csv, "--database", "db", "--measurement", "cpu", "--time-column", "ts",
            "--url", $"http://127.0.0.1:{daemon.Port}"], temp.Path);
        Assert.Equal(1, refused);
        Assert.Contains("arcd import: 400 time column \"ts\" not found in file", why);
    }

    internal static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }
}
