namespace Arcd.Http;

/// <summary>Requests (by status class), records and body bytes per write endpoint, for /metrics.</summary>
public sealed class WriteStats
{
    public static readonly string[] Endpoints = ["/api/v1/write/msgpack", "/write", "/api/v2/write", "/api/v1/write/line-protocol"];

    public const int Ok = 0, ClientError = 1, ServerError = 2, Records = 3, Bytes = 4;
    private const int Stride = 8; // one cache line per endpoint
    private readonly long[] _values = new long[Endpoints.Length * Stride];

    public void Record(string path, int status, long records, long bytes)
    {
        var endpoint = Array.IndexOf(Endpoints, path);
        if (endpoint < 0) return;
        var i = endpoint * Stride;
        Interlocked.Increment(ref _values[i + (status < 400 ? Ok : status < 500 ? ClientError : ServerError)]);
        if (records > 0) Interlocked.Add(ref _values[i + Records], records);
        Interlocked.Add(ref _values[i + Bytes], bytes);
    }

    public long Read(int endpoint, int field) => Interlocked.Read(ref _values[endpoint * Stride + field]);
}
