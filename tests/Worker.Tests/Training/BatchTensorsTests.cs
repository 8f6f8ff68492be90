using BertServerless.Worker.Training;
using static TorchSharp.torch;

namespace BertServerless.Worker.Tests.Training;

public class BatchTensorsTests
{
    [Fact]
    public void ToInputs_lists_the_flat_positions_that_carry_a_label()
    {
        long[] labels = [-100, 7, -100, -100, -100, -100, 9, 4];
        var batch = new Batch(2, 4, new long[8], new long[8], new long[8], labels, [0, 1], RealTokens: 8, PredictedTokens: 3);

        var inputs = batch.ToInputs(CPU);

        Assert.Equal([1L, 6, 7], inputs.PredictedPositions!.data<long>().ToArray());
        Assert.Equal([2L, 4], inputs.Labels!.shape);
    }
}
