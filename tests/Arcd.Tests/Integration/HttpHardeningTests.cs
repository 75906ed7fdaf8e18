using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>What every response carries and how the daemon treats a client that never finishes its headers.</summary>
public class HttpHardeningTests
{
    [Fact]
    public async Task Responses_carry_security_headers()
    {
        using var temp = new TempDirectory();
        await using var daemon = await AuthIntegrationTests.StartAsync(temp);
        using var response = await daemon.Client.GetAsync("/health");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task A_slow_loris_client_is_cut_off()
    {
        using var temp = new TempDirectory();
        await using var daemon = await DaemonProcess.StartAsync(temp.Path, ["--Server:RequestHeadersTimeout=00:00:02"]);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, daemon.Port);
        await socket.SendAsync("POST /api/v1/write/msgpack HTTP/1.1\r\nHost: x\r\n"u8.ToArray());
        var clock = Stopwatch.StartNew();
        var closed = false;
        // One header byte every 300 ms: never completes the headers.
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            try
            {
                await socket.SendAsync("X"u8.ToArray());
                if (socket.Poll(300_000, SelectMode.SelectRead))
                {
                    var buffer = new byte[512];
                    var read = await socket.ReceiveAsync(buffer);
                    closed = read == 0 || Encoding.ASCII.GetString(buffer, 0, read).StartsWith("HTTP/1.1 408", StringComparison.Ordinal);
                    if (closed) break;
                }
            }
            catch (SocketException)
            {
                closed = true;
                break;
            }
        }
        Assert.True(closed, "the connection was still open after 15 s");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"cut off only after {clock.Elapsed}");
    }
}
