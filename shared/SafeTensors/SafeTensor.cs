using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace BertServerless.Shared.SafeTensors;

/// <summary>
/// One named tensor: its element type, shape and raw little-endian bytes, which are held in memory, read on demand
/// from the file <see cref="SafeTensorsFile.Open"/> opened, or produced by a callback when a file is written. The
/// last two let a file of any size go through without ever holding all of it (or any one tensor) in a managed array,
/// whose length is capped at 2 GB.
/// </summary>
public sealed class SafeTensor
{
    // Large enough that a copy is one system call per few megabytes, small enough to be nothing beside a model.
    private const int BlockBytes = 4 << 20;

    private readonly ReadOnlyMemory<byte> _memory;
    private readonly SafeFileHandle? _file;
    private readonly long _fileOffset;
    private readonly Action<Stream>? _write;

    public string Name { get; }
    public SafeTensorsDType DType { get; }
    public long[] Shape { get; }
    public long ByteLength { get; }
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    public SafeTensor(string name, SafeTensorsDType dtype, long[] shape, ReadOnlyMemory<byte> data)
        : this(name, dtype, shape, data.Length) => _memory = data;

    /// <summary>A tensor of <paramref name="byteLength"/> bytes that <paramref name="write"/> writes straight into the file being written.</summary>
    public SafeTensor(string name, SafeTensorsDType dtype, long[] shape, long byteLength, Action<Stream> write)
        : this(name, dtype, shape, byteLength) => _write = write;

    internal SafeTensor(string name, SafeTensorsDType dtype, long[] shape, SafeFileHandle file, long fileOffset, long byteLength)
        : this(name, dtype, shape, byteLength) => (_file, _fileOffset) = (file, fileOffset);

    private SafeTensor(string name, SafeTensorsDType dtype, long[] shape, long byteLength)
        => (Name, DType, Shape, ByteLength) = (name, dtype, shape, byteLength);

    public static SafeTensor FromSpan<T>(string name, SafeTensorsDType dtype, long[] shape, ReadOnlySpan<T> values)
        where T : unmanaged
        => new(name, dtype, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Fills <paramref name="destination"/> with this tensor's bytes from <paramref name="offset"/> on.</summary>
    public void CopyTo(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > ByteLength)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset}..{offset + destination.Length} are outside tensor '{Name}' of {ByteLength} bytes.");
        if (_file is not null) ReadExactly(_file, _fileOffset + offset, destination);
        else if (_write is null) _memory.Span.Slice((int)offset, destination.Length).CopyTo(destination);
        else throw new InvalidOperationException($"Tensor '{Name}' is produced while a file is written; it cannot be read.");
    }

    /// <summary>Copies the bytes out as <typeparamref name="T"/> values (safetensors is little-endian, as is every platform .NET runs on).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        if (ByteLength % size != 0) throw new InvalidOperationException($"Tensor '{Name}' of {ByteLength} bytes is not a whole number of {typeof(T).Name} values.");
        if (ByteLength > Array.MaxLength)
            throw new InvalidOperationException($"Tensor '{Name}' holds {ByteLength} bytes, more than one array can; copy it out in parts with CopyTo.");
        var values = new T[ByteLength / size];
        CopyTo(0, MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>Writes the bytes to <paramref name="stream"/>; a file-backed tensor goes through in blocks.</summary>
    public void WriteTo(Stream stream)
    {
        if (_write is not null)
        {
            var start = stream.CanSeek ? stream.Position : -1;
            _write(stream);
            if (start >= 0 && stream.Position - start != ByteLength)
                throw new InvalidOperationException($"Tensor '{Name}' wrote {stream.Position - start} bytes; it declared {ByteLength}.");
        }
        else if (_file is null) stream.Write(_memory.Span);
        else
        {
            var block = new byte[(int)Math.Min(ByteLength, BlockBytes)];
            for (long done = 0; done < ByteLength; done += block.Length)
            {
                var part = block.AsSpan(0, (int)Math.Min(block.Length, ByteLength - done));
                CopyTo(done, part);
                stream.Write(part);
            }
        }
    }

    private static void ReadExactly(SafeFileHandle file, long fileOffset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(file, destination, fileOffset);
            if (read == 0) throw new EndOfStreamException($"The safetensors file ended at byte {fileOffset}, inside a tensor: it was truncated after it was opened.");
            destination = destination[read..];
            fileOffset += read;
        }
    }
}
