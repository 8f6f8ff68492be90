// libtorch has one random generator per process. Tests that seed it (a model's initial weights, dropout masks) and
// then compare two runs would draw each other's numbers if test classes ran at once, so they run one at a time; each
// op already uses every core.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
