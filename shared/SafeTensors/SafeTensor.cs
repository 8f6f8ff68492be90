namespace BertServerless.Shared.SafeTensors;

/// <summary>One named tensor: its element type, shape and raw little-endian bytes.</summary>
public sealed record SafeTensor(string Name, SafeTensorsDType DType, long[] Shape, ReadOnlyMemory<byte> Data)
{
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    public static SafeTensor FromSpan<T>(string name, SafeTensorsDType dtype, long[] shape, ReadOnlySpan<T> values)
        where T : unmanaged
        => new(name, dtype, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Copies the bytes out as <typeparamref name="T"/> values (safetensors is little-endian, as is every platform .NET runs on).</summary>
    public T[] ToArray<T>() where T : unmanaged
        => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(Data.Span).ToArray();
}
