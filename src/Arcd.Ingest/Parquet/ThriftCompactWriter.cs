using Arcd.Ingest.Buffers;
namespace Arcd.Ingest.Parquet;

/// <summary>
/// The Thrift compact protocol, write side only, for Parquet's page headers and footer
/// (parquet.thrift). Field ids are delta-encoded against the previous field of the same struct.
/// </summary>
internal sealed class ThriftCompactWriter(PooledBuffer output)
{
    private const byte BoolTrue = 1;
    private const byte BoolFalse = 2;
    private const byte I32 = 5;
    private const byte I64 = 6;
    private const byte Binary = 8;
    private const byte List = 9;
    private const byte Struct = 12;

    private readonly Stack<short> _lastFieldIds = new();
    private short _lastFieldId;

    public void StructBegin()
    {
        _lastFieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    public void StructEnd()
    {
        output.WriteByte(0); // field stop
        _lastFieldId = _lastFieldIds.Pop();
    }

    public void I32Field(short id, int value)
    {
        FieldHeader(id, I32);
        output.WriteUnsignedVarInt(ZigZag(value));
    }

    public void I64Field(short id, long value)
    {
        FieldHeader(id, I64);
        output.WriteUnsignedVarInt(ZigZag(value));
    }

    public void BoolField(short id, bool value) => FieldHeader(id, value ? BoolTrue : BoolFalse);

    public void BinaryField(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, Binary);
        output.WriteUnsignedVarInt((ulong)value.Length);
        output.Write(value);
    }

    public void StringField(short id, string value) => BinaryField(id, System.Text.Encoding.UTF8.GetBytes(value));

    /// <summary>Begins a struct-valued field; close it with <see cref="StructEnd"/>.</summary>
    public void StructField(short id)
    {
        FieldHeader(id, Struct);
        StructBegin();
    }

    /// <summary>Begins a list field of structs; write each element with StructBegin/StructEnd.</summary>
    public void StructListField(short id, int count) => ListField(id, Struct, count);

    public void I32ListField(short id, ReadOnlySpan<int> values)
    {
        ListField(id, I32, values.Length);
        foreach (var value in values) output.WriteUnsignedVarInt(ZigZag(value));
    }

    public void StringListField(short id, ReadOnlySpan<string> values)
    {
        ListField(id, Binary, values.Length);
        foreach (var value in values)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(value);
            output.WriteUnsignedVarInt((ulong)bytes.Length);
            output.Write(bytes);
        }
    }

    private void ListField(short id, byte elementType, int count)
    {
        FieldHeader(id, List);
        if (count < 15)
        {
            output.WriteByte((byte)((count << 4) | elementType));
        }
        else
        {
            output.WriteByte((byte)(0xF0 | elementType));
            output.WriteUnsignedVarInt((ulong)count);
        }
    }

    private void FieldHeader(short id, byte type)
    {
        var delta = id - _lastFieldId;
        if (delta is > 0 and <= 15)
        {
            output.WriteByte((byte)((delta << 4) | type));
        }
        else
        {
            output.WriteByte(type);
            output.WriteUnsignedVarInt(ZigZag(id));
        }
        _lastFieldId = id;
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
}
