using System.Buffers;
using Arcd.Ingest.Wire;
using Microsoft.AspNetCore.Http;
using Arcd.Ingest.Buffers;

namespace Arcd.Http;

public enum BodyStatus
{
    Ok,
    TooLarge,
}

/// <summary>Reads a request body into one rented array (<see cref="PooledBuffer"/>, returned to the pool exactly once).</summary>
public static class PooledBody
{
    /// <summary>
    /// Reads the whole body, refusing it from Content-Length before reading when that is known
    /// and over <paramref name="maxBytes"/>, and again while reading when it is not (chunked).
    /// </summary>
    public static async ValueTask<(BodyStatus Status, PooledBuffer? Body)> ReadAsync(HttpRequest request, long maxBytes)
    {
        var declared = request.ContentLength;
        if (declared > maxBytes) return (BodyStatus.TooLarge, null);

        var reader = request.BodyReader;
        var array = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(declared ?? 16 * 1024, 1, maxBytes));
        var used = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (used + buffer.Length > maxBytes)
                {
                    reader.AdvanceTo(buffer.End);
                    ArrayPool<byte>.Shared.Return(array);
                    return (BodyStatus.TooLarge, null);
                }
                if (used + buffer.Length > array.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(array.Length * 2L, used + buffer.Length), maxBytes));
                    array.AsSpan(0, used).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(array);
                    array = bigger;
                }
                buffer.CopyTo(array.AsSpan(used));
                used += (int)buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted) return (BodyStatus.Ok, PooledBuffer.Adopt(array, used));
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(array);
            throw;
        }
    }
}
