using System.Buffers;
using System.Numerics;

namespace Arcd.Ingest.Columnar;

/// <summary>
/// Where columns rent their arrays. Request-sized arrays (up to <see cref="MaxPooledLength"/>
/// elements) come from a pool of their own that keeps up to <see cref="ArraysPerSize"/> of each
/// size: they are rented on request threads and returned on shard threads, and with dozens of
/// requests in flight the shared pool (32 per size per core) overflowed and dropped them, which
/// made about a sixth of arcd's garbage. What it keeps is bounded by what was in flight at once.
/// Larger arrays (buffers) stay with <see cref="ArrayPool{T}.Shared"/>, which trims them when idle.
/// </summary>
internal static class ColumnArrays<T>
{
    public const int MaxPooledLength = ColumnArrays.ChunkLength;
    public const int ArraysPerSize = 256;

    private static readonly ArrayPool<T> Requests = ArrayPool<T>.Create(MaxPooledLength, ArraysPerSize);

    public static T[] Rent(int length) => length <= MaxPooledLength ? Requests.Rent(length) : ArrayPool<T>.Shared.Rent(length);

    // By length, the same rule as Rent: an array's pool follows from its size, wherever it was rented.
    public static void Return(T[] array)
    {
        if (array.Length <= MaxPooledLength && BitOperations.IsPow2(array.Length) && array.Length >= 16) Requests.Return(array);
        else ArrayPool<T>.Shared.Return(array);
    }
}

/// <summary>The pools of every element type a column uses.</summary>
internal static class ColumnArrays
{
    /// <summary>The length of a chunked column's chunks (<see cref="Column.ChunkRows"/>): the largest pooled size.</summary>
    public const int ChunkLength = 16_384;

    /// <summary>
    /// Creates every pool now (each keeps a slot table of a few KiB per size). Decoding does this
    /// on its first column anyway; tests that bound one decode's allocations call it first.
    /// </summary>
    public static void CreatePools()
    {
        ColumnArrays<long>.Return(ColumnArrays<long>.Rent(16));
        ColumnArrays<double>.Return(ColumnArrays<double>.Rent(16));
        ColumnArrays<bool>.Return(ColumnArrays<bool>.Rent(16));
        ColumnArrays<int>.Return(ColumnArrays<int>.Rent(16));
        ColumnArrays<byte>.Return(ColumnArrays<byte>.Rent(16));
        ColumnArrays<ulong>.Return(ColumnArrays<ulong>.Rent(16));
    }
}
