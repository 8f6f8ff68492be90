namespace BertServerless.Worker.Training;

/// <summary>Where the run stands in its data order: the epoch and the number of that epoch's batches already consumed.</summary>
public readonly record struct DataPosition(int Epoch, int Batch);
