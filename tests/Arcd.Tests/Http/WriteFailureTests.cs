using System.Text.Json;
using Arcd.Http;
using Arcd.Http.Endpoints;
using Arcd.Ingest.Wire;
using Arcd.Ingest.Wire.LineProtocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arcd.Tests.Http;

/// <summary>
/// A write's Task goes to Kestrel without a guard around it (one allocation per request), so the
/// write pipeline must answer its own failures exactly as the guard answers every other endpoint's.
/// </summary>
public class WriteFailureTests
{
    private sealed class FailingBody : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("disk on fire");
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => throw new IOException("disk on fire");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static DefaultHttpContext Context(string path)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = path;
        context.Request.Body = new FailingBody();
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static string Error(DefaultHttpContext context)
    {
        var body = ((MemoryStream)context.Response.Body).ToArray();
        return JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
    }

    [Fact]
    public async Task A_write_that_fails_unexpectedly_answers_500_with_a_JSON_error_and_its_task_does_not_fault()
    {
        var stats = new WriteStats();
        // The body read fails before the engine or the catalog is reached.
        var pipeline = new WritePipeline(null!, null!, 1 << 20, 1 << 20, DecodeLimits.Default, stats, NullLogger.Instance);
        var context = Context("/api/v1/write/msgpack");

        var task = pipeline.HandleAsync(context, BodyFormat.MessagePack, "default", TimePrecision.Microseconds);
        await task;

        Assert.True(task.IsCompletedSuccessfully);
        Assert.Equal(StatusCodes.Status500InternalServerError, context.Response.StatusCode);
        Assert.Equal("internal error: disk on fire", Error(context));
        Assert.Equal(1, stats.Read(0, WriteStats.ServerError)); // counted as a failed write
    }

    [Fact]
    public async Task A_failure_after_the_client_went_away_is_not_answered()
    {
        var context = Context("/write");
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();
        context.RequestAborted = aborted.Token;

        await ArcdHttpApplication.AnswerFailureAsync(context, new IOException("reset"), NullLogger.Instance);

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal(0, context.Response.Body.Length);
    }

    [Theory]
    [InlineData("/api/v1/write/msgpack", true)]
    [InlineData("/write", true)]
    [InlineData("/api/v2/write", true)]
    [InlineData("/api/v1/write/line-protocol", true)]
    [InlineData("/api/v1/query", false)]
    [InlineData("/api/v1/write/msgpack/", false)]
    [InlineData(null, false)]
    public void Only_the_write_paths_answer_their_own_failures(string? path, bool own)
    {
        Assert.Equal(own, RequestRouter.AnswersOwnFailures(path));
    }
}
