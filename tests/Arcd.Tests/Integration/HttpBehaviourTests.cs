using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

public class HttpBehaviourTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private DaemonProcess _daemon = null!;

    public async Task InitializeAsync() =>
        _daemon = await DaemonProcess.StartAsync(_temp.Path, ["--Server:MaxRequestBytes=4096", "--Ingest:MaxBufferAge=01:00:00"]);

    public async Task DisposeAsync()
    {
        await _daemon.StopAsync();
        await _daemon.DisposeAsync();
        _temp.Dispose();
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task Health_reports_status_time_and_uptime()
    {
        using var response = await _daemon.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await Json(response);
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.True(DateTimeOffset.TryParse(json.GetProperty("time").GetString(), out _));
        Assert.EndsWith("s", json.GetProperty("uptime").GetString());
        Assert.True(json.GetProperty("uptime_sec").GetDouble() >= 0);
    }

    [Fact]
    public async Task Ready_is_200_once_listening()
    {
        using var response = await _daemon.Client.GetAsync("/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", (await Json(response)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unknown_path_is_a_json_404_and_wrong_method_a_405_with_allow()
    {
        using var notFound = await _daemon.Client.GetAsync("/nope");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Contains("/nope", (await Json(notFound)).GetProperty("error").GetString());

        using var wrongMethod = await _daemon.Client.GetAsync("/api/v1/write/msgpack");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Contains("POST", wrongMethod.Content.Headers.Allow);
        Assert.Contains("POST", (await Json(wrongMethod)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Tv16_bad_database_header_is_400()
    {
        using var response = await _daemon.PostMsgPackAsync(MsgPack.Hex(Wire.ColumnarMsgPackDecoderTests.Tv1), "1prod");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid database name: must start with a letter and contain only alphanumeric characters, underscores, or hyphens (max 64 characters)",
            (await Json(response)).GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("db%2F..")]
    public async Task Database_names_that_could_escape_the_data_root_are_400(string database)
    {
        using var response = await _daemon.PostMsgPackAsync(MsgPack.Hex(Wire.ColumnarMsgPackDecoderTests.Tv1), database);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Empty_body_is_400_empty_payload()
    {
        using var response = await _daemon.PostMsgPackAsync([]);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Empty payload", (await Json(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Malformed_msgpack_is_400_with_a_reason()
    {
        using var response = await _daemon.PostMsgPackAsync(MsgPack.Hex("82 a1 6d a3 63 70"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("Invalid MessagePack payload: ", (await Json(response)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Oversized_body_is_413_from_content_length_and_from_a_chunked_stream()
    {
        using (var response = await _daemon.PostMsgPackAsync(new byte[5000]))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("MaxRequestBytes", (await Json(response)).GetProperty("error").GetString());
        }

        var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/v1/write/msgpack") { Content = new StreamContent(new MemoryStream(new byte[5000])) };
        chunked.Headers.TransferEncodingChunked = true;
        using (var response = await _daemon.Client.SendAsync(chunked))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);

        // The daemon is still fine afterwards.
        using var ok = await _daemon.PostMsgPackAsync(MsgPack.Hex(Wire.ColumnarMsgPackDecoderTests.Tv1));
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
    }

    [Fact]
    public async Task Keep_alive_serves_many_requests_on_one_connection()
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1 };
        using var client = new HttpClient(handler) { BaseAddress = _daemon.Client.BaseAddress };
        for (var i = 0; i < 50; i++)
        {
            using var content = new ByteArrayContent(MsgPack.Columnar("ka", ("v", [(long)i])));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/msgpack");
            using var response = await client.PostAsync("/api/v1/write/msgpack", content);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.False(response.Headers.ConnectionClose ?? false);
        }
    }
}
