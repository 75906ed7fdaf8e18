using System.Net.Sockets;
using System.Text;

namespace Arcd.Hosting;

/// <summary>
/// sd_notify without libsystemd: one datagram to <c>$NOTIFY_SOCKET</c> (a path, or an abstract
/// socket when it starts with '@'). A no-op when the variable is absent (not under systemd).
/// </summary>
public static class SystemdNotifier
{
    public const string Variable = "NOTIFY_SOCKET";

    /// <summary>Sends <paramref name="state"/> (e.g. "READY=1"); returns an error text or null.</summary>
    public static string? Notify(string state)
    {
        var address = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(address)) return null;
        if (address[0] == '@') address = "\0" + address[1..];
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(address));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return null;
        }
        catch (SocketException ex)
        {
            return $"{state.Split('\n')[0]} to {Environment.GetEnvironmentVariable(Variable)}: {ex.Message}";
        }
    }
}
