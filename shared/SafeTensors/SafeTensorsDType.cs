namespace BertServerless.Shared.SafeTensors;

/// <summary>The element types of the safetensors format, spelled as they appear in its JSON header.</summary>
public enum SafeTensorsDType { BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64 }

public static class SafeTensorsDTypes
{
    public static int SizeOf(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.BOOL or SafeTensorsDType.U8 or SafeTensorsDType.I8 => 1,
        SafeTensorsDType.I16 or SafeTensorsDType.U16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.I32 or SafeTensorsDType.U32 or SafeTensorsDType.F32 => 4,
        _ => 8,
    };
}
