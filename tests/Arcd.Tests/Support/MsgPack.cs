using System.Buffers;
using MessagePack;

namespace Arcd.Tests.Support;

/// <summary>Builds request bodies with MessagePack-CSharp's writer (an encoder independent of arcd's decoder).</summary>
public static class MsgPack
{
    public delegate void WriteBody(ref MessagePackWriter writer);

    /// <summary>A body written by hand with MessagePack-CSharp's writer.</summary>
    public static byte[] Build(WriteBody write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        write(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(string.Concat(hex.Where(char.IsAsciiHexDigit)));

    /// <summary><c>{"m": measurement, "columns": {name: [values...]}}</c>; values may be long, double, bool, string or null.</summary>
    public static byte[] Columnar(string measurement, params (string Name, IReadOnlyList<object?> Values)[] columns)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(2);
        writer.Write("m");
        writer.Write(measurement);
        writer.Write("columns");
        writer.WriteMapHeader(columns.Length);
        foreach (var (name, values) in columns)
        {
            writer.Write(name);
            writer.WriteArrayHeader(values.Count);
            foreach (var value in values) WriteValue(ref writer, value);
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteValue(ref MessagePackWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNil(); break;
            case long l: writer.Write(l); break;
            case int i: writer.Write(i); break;
            case ulong u: writer.Write(u); break;
            case double d: writer.Write(d); break;
            case float f: writer.Write(f); break;
            case bool b: writer.Write(b); break;
            case string s: writer.Write(s); break;
            case byte[] bytes: writer.Write(bytes); break;
            default: throw new ArgumentException($"unsupported test value {value.GetType()}");
        }
    }
}
