using TorchSharp;

namespace BertServerless.Worker.Tests.Model;

public class LibTorchLoadTests
{
    [Fact]
    public void OnesSum_onCpu_isTwo()
    {
        using var sum = torch.ones(2).sum();
        Assert.Equal(2f, sum.item<float>());
    }
}
