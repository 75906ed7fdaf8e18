using System.Buffers;
using System.Globalization;
using System.Text;

namespace Arcd.Bench;

/// <summary>
/// Arc's benchmark shape (BENCHMARKS.md): bodies of N rows for measurements cpu/mem/disk/net, hosts
/// server000-999, three float columns. Shared by the load generator and the micro benchmarks.
/// </summary>
public static class BenchmarkShape
{
    private static readonly string[] Measurements = ["cpu", "mem", "disk", "net"];

    /// <summary>
    /// A line-protocol body whose timestamps are rewritten for every request, so a peer that
    /// overwrites equal (series, time) pairs or deduplicates never sees the same point twice:
    /// line i of request g is at (<paramref name="startMillis"/> + g * rows + i) ms, 19 digits of ns.
    /// </summary>
    public sealed class LineProtocolTemplate
    {
        private readonly byte[] _body;
        private readonly int[] _timestampOffsets;
        private readonly long _startMillis;

        public LineProtocolTemplate(int rows, int seed, long startMillis)
        {
            var text = Encoding.UTF8.GetString(Body("line-protocol", rows, seed));
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var builder = new StringBuilder(text.Length + rows * 4);
            _timestampOffsets = new int[lines.Length];
            for (var i = 0; i < lines.Length; i++)
            {
                var withoutTime = lines[i][..lines[i].LastIndexOf(' ')];
                builder.Append(withoutTime).Append(' ');
                _timestampOffsets[i] = Encoding.UTF8.GetByteCount(builder.ToString());
                builder.Append('0', 19).Append('\n');
            }
            _body = Encoding.UTF8.GetBytes(builder.ToString());
            _startMillis = startMillis;
        }

        public int Length => _body.Length;

        /// <summary>Writes the body of request <paramref name="sequence"/> into <paramref name="destination"/>.</summary>
        public void Write(byte[] destination, long sequence)
        {
            _body.CopyTo(destination, 0);
            var first = _startMillis + sequence * _timestampOffsets.Length;
            for (var i = 0; i < _timestampOffsets.Length; i++)
                System.Buffers.Text.Utf8Formatter.TryFormat((first + i) * 1_000_000L, destination.AsSpan(_timestampOffsets[i], 19), out _, new StandardFormat('D', 19));
        }
    }

    public static byte[] Body(string mode, int rows, int seed)
    {
        var random = new Random(seed);
        var measurement = Measurements[random.Next(Measurements.Length)];
        var start = 1_700_000_000_000_000L + seed * (long)rows * 1000;
        var hosts = Enumerable.Range(0, rows).Select(_ => $"server{random.Next(1000):D3}").ToArray();
        double Value() => Math.Round(random.NextDouble() * 100, 2);
        if (mode == "line-protocol")
        {
            var text = new StringBuilder(rows * 80);
            for (var i = 0; i < rows; i++)
                text.Append(measurement).Append(",host=").Append(hosts[i])
                    .Append(CultureInfo.InvariantCulture, $" value={Value()},cpu_idle={Value()},cpu_user={Value()} {(start + i) * 1000}\n");
            return Encoding.UTF8.GetBytes(text.ToString());
        }
        var buffer = new ArrayBufferWriter<byte>(rows * 40);
        var writer = new MessagePackWriterLite(buffer);
        if (mode == "msgpack-columnar")
        {
            writer.MapHeader(2);
            writer.String("m");
            writer.String(measurement);
            writer.String("columns");
            writer.MapHeader(5);
            writer.String("time");
            writer.ArrayHeader(rows);
            for (var i = 0; i < rows; i++) writer.Int64(start + i);
            writer.String("host");
            writer.ArrayHeader(rows);
            foreach (var host in hosts) writer.String(host);
            foreach (var column in new[] { "value", "cpu_idle", "cpu_user" })
            {
                writer.String(column);
                writer.ArrayHeader(rows);
                for (var i = 0; i < rows; i++) writer.Double(Value());
            }
        }
        else
        {
            writer.ArrayHeader(rows);
            for (var i = 0; i < rows; i++)
            {
                writer.MapHeader(4);
                writer.String("m");
                writer.String(measurement);
                writer.String("t");
                writer.Int64(start + i);
                writer.String("h");
                writer.String(hosts[i]);
                writer.String("fields");
                writer.MapHeader(3);
                writer.String("value");
                writer.Double(Value());
                writer.String("cpu_idle");
                writer.Double(Value());
                writer.String("cpu_user");
                writer.Double(Value());
            }
        }
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>The few MessagePack encodings the generator needs (smallest forms, as msgpack-python packs).</summary>
internal readonly struct MessagePackWriterLite(IBufferWriter<byte> output)
{
    public void MapHeader(int count) => Header(count, 0x80, 0xde, 0xdf);

    public void ArrayHeader(int count) => Header(count, 0x90, 0xdc, 0xdd);

    public void String(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length < 32) Byte((byte)(0xa0 | length));
        else if (length < 256) Bytes([0xd9, (byte)length]);
        else Bytes([0xda, (byte)(length >> 8), (byte)length]);
        var span = output.GetSpan(length);
        Encoding.UTF8.GetBytes(value, span);
        output.Advance(length);
    }

    public void Int64(long value)
    {
        var span = output.GetSpan(9);
        span[0] = 0xd3;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(span[1..], value);
        output.Advance(9);
    }

    public void Double(double value)
    {
        var span = output.GetSpan(9);
        span[0] = 0xcb;
        System.Buffers.Binary.BinaryPrimitives.WriteDoubleBigEndian(span[1..], value);
        output.Advance(9);
    }

    private void Header(int count, byte fix, byte x16, byte x32)
    {
        if (count < 16) Byte((byte)(fix | count));
        else if (count < 65536) Bytes([x16, (byte)(count >> 8), (byte)count]);
        else Bytes([x32, (byte)(count >> 24), (byte)(count >> 16), (byte)(count >> 8), (byte)count]);
    }

    private void Byte(byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private void Bytes(ReadOnlySpan<byte> values)
    {
        values.CopyTo(output.GetSpan(values.Length));
        output.Advance(values.Length);
    }
}
