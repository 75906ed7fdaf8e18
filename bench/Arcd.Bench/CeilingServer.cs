using System.Buffers;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Arcd.Bench;

/// <summary>
/// The HTTP ceiling (issue 17): a null server built the way arcd builds its listener (Kestrel
/// constructed directly, AOT, HTTP/1.1), that reads every request body whole and answers 204. The
/// same load against it and against arcd gives arcd's fraction of what HTTP alone allows here.
/// </summary>
public static class CeilingServer
{
    public const string Usage = """
        usage: arcd-bench ceiling [--port 18090] [--host 127.0.0.1] [--buffers arcd|kestrel]

        Serves until SIGTERM/SIGINT: every request's body is read whole into a pooled buffer and
        discarded, then 204. Prints the requests and bytes it read at exit. --buffers: the socket
        transport's receive buffers, arcd's 64 KiB blocks (default, the same transport as arcd) or
        Kestrel's default 4 KiB ones (the ceiling as measured before arcd changed its own).
        """;

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var port = args.GetInt("port", 18090);
        var host = IPAddress.Parse(args.Get("host", "127.0.0.1"));
        var buffers = args.Get("buffers", "arcd");
        if (buffers is not ("arcd" or "kestrel")) throw new ArgumentException($"--buffers must be arcd or kestrel, not '{buffers}'");
        args.EnsureAllUsed();

        var options = new KestrelServerOptions { AddServerHeader = false, ApplicationServices = new NoServices() };
        options.Limits.MaxRequestBodySize = null;
        options.Listen(host, port, listen => listen.Protocols = HttpProtocols.Http1);
        var transportOptions = new SocketTransportOptions();
        if (buffers == "arcd") Arcd.Hosting.BlockMemoryPool.Use(transportOptions); // arcd's receive buffers (src/Arcd/Hosting)
        var transport = new SocketTransportFactory(Options.Create(transportOptions), NullLoggerFactory.Instance);
        using var server = new KestrelServer(Options.Create(options), transport, NullLoggerFactory.Instance);
        var application = new NullApplication();
        await server.StartAsync(application, CancellationToken.None);
        Console.Error.WriteLine($"ceiling listening on http://{host}:{port}");

        var stop = new TaskCompletionSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        await stop.Task;
        await server.StopAsync(CancellationToken.None);
        Console.Error.WriteLine($"ceiling: {application.Requests} requests, {application.Bytes} body bytes");
        return 0;
    }

    private sealed class NullApplication : IHttpApplication<DefaultHttpContext>
    {
        private long _requests, _bytes;

        public long Requests => Interlocked.Read(ref _requests);
        public long Bytes => Interlocked.Read(ref _bytes);

        public DefaultHttpContext CreateContext(IFeatureCollection contextFeatures)
        {
            if (contextFeatures is IHostContextContainer<DefaultHttpContext> container)
            {
                if (container.HostContext is { } pooled)
                {
                    pooled.Initialize(contextFeatures);
                    return pooled;
                }
                return container.HostContext = new DefaultHttpContext(contextFeatures);
            }
            return new DefaultHttpContext(contextFeatures);
        }

        public async Task ProcessRequestAsync(DefaultHttpContext context)
        {
            // The whole body into one pooled buffer, as arcd reads a body before decoding it.
            var length = (int)(context.Request.ContentLength ?? 1 << 16);
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1 << 12));
            long total = 0;
            try
            {
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer.AsMemory((int)(total % buffer.Length)))) > 0) total += read;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _bytes, total);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }

        public void DisposeContext(DefaultHttpContext context, Exception? exception) => context.Uninitialize();
    }

    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(ILoggerFactory) ? NullLoggerFactory.Instance : null;
    }
}
