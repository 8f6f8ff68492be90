using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;

namespace BertServerless.Shared.SafeTensors;

/// <summary>
/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
/// header length, a JSON header mapping each name to dtype, shape and data offsets (plus an optional
/// string-to-string "__metadata__"), then the raw data. Written here because the format is small and no
/// maintained .NET library covers it without pulling in TorchSharp, which shared/ must not reference.
/// Both shards and model checkpoints go through this one implementation. A file on disk is opened, not loaded:
/// <see cref="Open"/> reads the header and each tensor's bytes are read from the file when asked for, so files
/// larger than 2 GB (a BERT-large optimizer state) read back as well as they write.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    // The reference implementation refuses headers above 100 MB; a larger one means a corrupt length field.
    private const long MaxHeaderBytes = 100_000_000;

    private readonly SafeFileHandle? _file;

    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyList<SafeTensor> Tensors { get; }

    public SafeTensorsFile(IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Tensors = tensors;
        Metadata = metadata ?? new Dictionary<string, string>();
    }

    private SafeTensorsFile(IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata, SafeFileHandle file)
        : this(tensors, metadata) => _file = file;

    public SafeTensor this[string name]
        => Tensors.FirstOrDefault(t => t.Name == name)
           ?? throw new KeyNotFoundException($"Tensor '{name}' is not in this safetensors file (it has: {string.Join(", ", Tensors.Select(t => t.Name))}).");

    public bool Contains(string name) => Tensors.Any(t => t.Name == name);

    /// <summary>
    /// Opens <paramref name="path"/> and reads its header; the tensors read from the open file until this is
    /// disposed. Every structural fault is an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static SafeTensorsFile Open(string path)
    {
        var sourceName = Path.GetFileName(path);
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var fileLength = RandomAccess.GetLength(file);
            Span<byte> lengthField = stackalloc byte[8];
            var headerLength = ReadHeaderLength(lengthField[..RandomAccess.Read(file, lengthField, 0)], fileLength, sourceName);
            var header = new byte[headerLength];
            if (RandomAccess.Read(file, header, 8) != headerLength)
                throw Corrupt(sourceName, "the header could not be read whole");
            var (entries, metadata) = ParseHeader(header, fileLength - 8 - headerLength, sourceName);
            var tensors = entries.Select(e => new SafeTensor(e.Name, e.DType, e.Shape, file, 8 + headerLength + e.Begin, e.Length)).ToList();
            return new SafeTensorsFile(tensors, metadata, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public static async Task<SafeTensorsFile> ReadAsync(Stream stream, string sourceName, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return Parse(buffer.ToArray(), sourceName);
    }

    /// <summary>Parses a whole file held in memory; every structural fault is an <see cref="InvalidDataException"/> naming <paramref name="sourceName"/>.</summary>
    public static SafeTensorsFile Parse(byte[] file, string sourceName)
    {
        var headerLength = ReadHeaderLength(file.AsSpan(0, Math.Min(8, file.Length)), file.Length, sourceName);
        var dataStart = (int)(8 + headerLength);
        var (entries, metadata) = ParseHeader(file.AsSpan(8, (int)headerLength), file.Length - dataStart, sourceName);
        var tensors = entries.Select(e => new SafeTensor(e.Name, e.DType, e.Shape, new ReadOnlyMemory<byte>(file, dataStart + (int)e.Begin, (int)e.Length))).ToList();
        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>Closes the file <see cref="Open"/> opened; its tensors can no longer be read. Nothing to do for a file built or parsed in memory.</summary>
    public void Dispose() => _file?.Dispose();

    private sealed record HeaderEntry(string Name, SafeTensorsDType DType, long[] Shape, long Begin, long Length);

    private static long ReadHeaderLength(ReadOnlySpan<byte> lengthField, long fileLength, string sourceName)
    {
        if (lengthField.Length < 8)
            throw Corrupt(sourceName, $"it is {fileLength} bytes long, shorter than the 8-byte header length field");
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthField);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes)
            throw Corrupt(sourceName, $"the header length field says {headerLength} bytes");
        if (8 + headerLength > fileLength)
            throw Corrupt(sourceName, $"it is truncated: the header needs {headerLength} bytes, the file has {fileLength - 8} after the length field");
        return headerLength;
    }

    private static (List<HeaderEntry> Entries, Dictionary<string, string> Metadata) ParseHeader(ReadOnlySpan<byte> json, long dataLength, string sourceName)
    {
        JsonObject header;
        try
        {
            header = JsonNode.Parse(json) as JsonObject
                     ?? throw Corrupt(sourceName, "the header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Corrupt(sourceName, $"the header is not valid JSON ({e.Message})");
        }

        var metadata = new Dictionary<string, string>();
        var entries = new List<HeaderEntry>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                foreach (var (key, value) in node as JsonObject ?? throw Corrupt(sourceName, "__metadata__ is not an object"))
                    metadata[key] = value?.GetValueKind() == JsonValueKind.String
                        ? value.GetValue<string>()
                        : throw Corrupt(sourceName, $"__metadata__ value '{key}' is not a string");
                continue;
            }
            entries.Add(ParseEntry(name, node, dataLength, sourceName));
        }
        return (entries, metadata);
    }

    private static HeaderEntry ParseEntry(string name, JsonNode? node, long dataLength, string sourceName)
    {
        try
        {
            var entry = node!.AsObject();
            var dtypeName = entry["dtype"]!.GetValue<string>();
            if (!Enum.TryParse<SafeTensorsDType>(dtypeName, out var dtype))
                throw Corrupt(sourceName, $"tensor '{name}' has unknown dtype '{dtypeName}'");
            var shape = entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            var offsets = entry["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                throw Corrupt(sourceName, $"tensor '{name}' has invalid data_offsets [{string.Join(", ", offsets)}]");
            if (offsets[1] > dataLength)
                throw Corrupt(sourceName, $"it is truncated: tensor '{name}' ends at byte {offsets[1]} of the data, which has {dataLength}");
            var expected = shape.Aggregate(1L, (n, d) => n * d) * SafeTensorsDTypes.SizeOf(dtype);
            if (shape.Any(d => d < 0) || offsets[1] - offsets[0] != expected)
                throw Corrupt(sourceName, $"tensor '{name}' of shape [{string.Join(", ", shape)}] {dtype} should hold {expected} bytes, its offsets span {offsets[1] - offsets[0]}");
            return new HeaderEntry(name, dtype, shape, offsets[0], offsets[1] - offsets[0]);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw Corrupt(sourceName, $"tensor '{name}' has a malformed header entry");
        }
    }

    public void Write(string path)
    {
        using var stream = File.Create(path);
        Write(stream);
    }

    /// <summary>Writes tensors in the given order; the header is space-padded to 8 bytes as the reference writer does, so data stays aligned.</summary>
    public void Write(Stream stream)
    {
        var header = new JsonObject();
        if (Metadata.Count > 0)
        {
            var meta = new JsonObject();
            foreach (var (key, value) in Metadata) meta[key] = value;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var tensor in Tensors)
        {
            var expected = tensor.ElementCount * SafeTensorsDTypes.SizeOf(tensor.DType);
            if (tensor.ByteLength != expected)
                throw new ArgumentException($"Tensor '{tensor.Name}' has {tensor.ByteLength} bytes; shape [{string.Join(", ", tensor.Shape)}] {tensor.DType} needs {expected}.");
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = tensor.DType.ToString(),
                ["shape"] = new JsonArray(tensor.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + tensor.ByteLength),
            };
            offset += tensor.ByteLength;
        }

        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, padded);
        stream.Write(length);
        stream.Write(json);
        for (var i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var tensor in Tensors) tensor.WriteTo(stream);
    }

    private static InvalidDataException Corrupt(string sourceName, string reason)
        => new($"'{sourceName}' is not a valid safetensors file: {reason}.");
}
