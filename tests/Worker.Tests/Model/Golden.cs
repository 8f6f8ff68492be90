using BertServerless.Shared.SafeTensors;
using BertServerless.Tests;
using BertServerless.Worker.Checkpoints;
using BertServerless.Worker.Model;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Model;

/// <summary>The files tools/golden/make_golden.py wrote: a tiny random BERT in two HF layouts and one recorded forward pass.</summary>
internal static class Golden
{
    public static string Dir(string name) => Path.Combine(TestData.RepoRoot, "tests", "Worker.Tests", "golden", name);

    public static string SafeTensorsModel => Dir("hf-safetensors");
    public static string LegacyBinModel => Dir("hf-legacy-bin");

    public static SafeTensorsFile Forward { get; } = SafeTensorsFile.Parse(File.ReadAllBytes(Dir("forward.safetensors")), "forward.safetensors");

    public static Tensor Get(string name) => HfStateDict.ToTensor(Forward[name]);

    public static BertInputs Inputs() => new(Get("input_ids"), Get("token_type_ids"), Get("attention_mask"), Get("labels"), Get("next_sentence_label"));

    public static double MaxAbsDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
