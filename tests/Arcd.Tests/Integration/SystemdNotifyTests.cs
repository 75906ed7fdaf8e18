using System.Net.Sockets;
using System.Text;
using Arcd.Tests.Support;

namespace Arcd.Tests.Integration;

/// <summary>Type=notify: arcd sends READY=1 once listening and STOPPING=1 when it starts to drain.</summary>
public class SystemdNotifyTests
{
    [Fact]
    public async Task Ready_and_stopping_reach_notify_socket()
    {
        using var temp = new TempDirectory();
        var socketPath = Path.Combine(temp.Path, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        await using var daemon = await DaemonProcess.StartAsync(temp.Path, environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath });
        var ready = await ReceiveAsync(socket);
        Assert.Contains("READY=1", ready.Split('\n'));
        Assert.Contains($"MAINPID={daemon.Process.Id}", ready.Split('\n'));

        Assert.Equal(0, await daemon.StopAsync());
        Assert.Equal("STOPPING=1", await ReceiveAsync(socket));
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, received);
    }
}
