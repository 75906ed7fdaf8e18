using System.Buffers;
using System.Reflection;
using System.Runtime.InteropServices;
using Arcd.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Arcd.Tests.Hosting;

public class BlockMemoryPoolTests
{
    [Fact]
    public void Blocks_are_reused_across_threads_without_allocating()
    {
        using var pool = new BlockMemoryPool();
        var warm = Enumerable.Range(0, 64).Select(_ => pool.Rent()).ToList();
        foreach (var block in warm) block.Dispose();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            var block = pool.Rent(BlockMemoryPool.BlockSize);
            block.Memory.Span[0] = (byte)i;
            block.Dispose();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // Rented here, returned on another thread, rented again here: still the same blocks.
        using var fresh = new BlockMemoryPool();
        var rented = Enumerable.Range(0, 16).Select(_ => fresh.Rent()).ToList();
        var arrays = rented.Select(r => MemoryMarshal.TryGetArray<byte>(r.Memory, out var s) ? s.Array : null).ToHashSet();
        var returner = new Thread(() => rented.ForEach(r => r.Dispose()));
        returner.Start();
        returner.Join();
        var again = Enumerable.Range(0, 16).Select(_ => fresh.Rent()).ToList();
        Assert.All(again, r => Assert.Contains(MemoryMarshal.TryGetArray<byte>(r.Memory, out var s) ? s.Array : null, arrays));
    }

    [Fact]
    public void Memory_is_array_backed_pinned_and_a_second_dispose_does_not_queue_twice()
    {
        using var pool = new BlockMemoryPool();
        var block = pool.Rent();
        Assert.Equal(BlockMemoryPool.BlockSize, block.Memory.Length);
        Assert.True(MemoryMarshal.TryGetArray<byte>(block.Memory, out var segment)); // Kestrel's socket sender needs this
        Assert.Equal(BlockMemoryPool.BlockSize, segment.Count);
        using (var handle = block.Memory.Pin()) unsafe { Assert.True(handle.Pointer != null); }
        block.Dispose();
        block.Dispose();
        var first = pool.Rent();
        var second = pool.Rent();
        Assert.NotSame(first, second);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(BlockMemoryPool.BlockSize + 1));
    }

    [Fact]
    public void Kestrel_socket_transport_is_given_the_pool()
    {
        var options = new SocketTransportOptions();
        BlockMemoryPool.Use(options);
        var factory = (IMemoryPoolFactory<byte>)typeof(SocketTransportOptions)
            .GetProperty("MemoryPoolFactory", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)!.GetValue(options)!;
        Assert.IsType<BlockMemoryPool>(factory.Create());
    }
}
