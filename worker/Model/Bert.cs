using BertServerless.Shared.Shards;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

// The whole model, leaves first, after Hugging Face's modeling_bert.py. Field names are HF's state_dict keys (hence
// snake_case and the capitalised LayerNorm) and are declared in call order. Post-LayerNorm throughout, as in BERT.

namespace BertServerless.Worker.Model;

internal static class Activations
{
    public static Func<Tensor, Tensor> For(string hiddenAct) => hiddenAct switch
    {
        "gelu" => x => F.gelu(x), // exact, erf-based: what BERT was trained with
        "gelu_new" or "gelu_pytorch_tanh" => x => F.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        "relu" => x => F.relu(x),
        _ => throw new ArgumentException($"hidden_act '{hiddenAct}' is not supported."),
    };
}

/// <summary>Word + position + token-type embeddings, then LayerNorm and dropout.</summary>
internal sealed class BertEmbeddings : Module<Tensor, Tensor, Tensor, Tensor>
{
    internal readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public BertEmbeddings(BertConfig config) : base(nameof(BertEmbeddings))
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <summary>Ids (B, T) with positions (T), or packed ids (N) with each token's position (N).</summary>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor positionIds)
    {
        var x = word_embeddings.call(inputIds) + position_embeddings.call(positionIds) + token_type_embeddings.call(tokenTypeIds); // (B, T, H) or (N, H)
        return dropout.call(LayerNorm.call(x));
    }
}

/// <summary>Multi-head self-attention over all tokens; padding keys are hidden by an additive mask.</summary>
internal sealed class BertSelfAttention : Module<Tensor, TokenLayout, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly int heads;
    private readonly double dropoutProb;

    public BertSelfAttention(BertConfig config) : base(nameof(BertSelfAttention))
    {
        query = nn.Linear(config.HiddenSize, config.HiddenSize);
        key = nn.Linear(config.HiddenSize, config.HiddenSize);
        value = nn.Linear(config.HiddenSize, config.HiddenSize);
        heads = config.NumAttentionHeads;
        dropoutProb = config.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, TokenLayout layout)
    {
        var q = layout.ToHeads(query.call(x), heads); // (B, nh, T, hs)
        var k = layout.ToHeads(key.call(x), heads); // (B, nh, T, hs)
        var v = layout.ToHeads(value.call(x), heads); // (B, nh, T, hs)
        // softmax(q k^T / sqrt(hs) + mask) v with dropout on the probabilities: HF's eager attention, fused.
        var y = F.scaled_dot_product_attention(q, k, v, layout.AdditiveMask, p: training ? dropoutProb : 0); // (B, nh, T, hs)
        return layout.FromHeads(y); // (B, T, H) or (N, H)
    }
}

/// <summary>
/// Projection back to hidden_size, dropout, residual, LayerNorm: HF's BertSelfOutput (after attention, from
/// hidden_size) and BertOutput (after the feed-forward widening, from intermediate_size) are this one module.
/// </summary>
internal sealed class BertOutput : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly Dropout dropout;
    private readonly LayerNorm LayerNorm;

    public BertOutput(BertConfig config, int inputSize) : base(nameof(BertOutput))
    {
        dense = nn.Linear(inputSize, config.HiddenSize);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor residual)
        => LayerNorm.call(dropout.call(dense.call(x)) + residual); // (B, T, H) or (N, H)
}

/// <summary>Self-attention block: attention, then its output projection with residual and LayerNorm.</summary>
internal sealed class BertAttention : Module<Tensor, TokenLayout, Tensor>
{
    private readonly BertSelfAttention self;
    private readonly BertOutput output;

    public BertAttention(BertConfig config) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(config);
        output = new BertOutput(config, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, TokenLayout layout) => output.call(self.call(x, layout), x); // (B, T, H) or (N, H)
}

/// <summary>First half of the feed-forward block: widen to intermediate_size and activate.</summary>
internal sealed class BertIntermediate : Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly Func<Tensor, Tensor> activation;

    public BertIntermediate(BertConfig config) : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        activation = Activations.For(config.HiddenAct);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => activation(dense.call(x)); // (B, T, I) or (N, I)
}

/// <summary>One transformer layer: attention block, then feed-forward block.</summary>
internal sealed class BertLayer : Module<Tensor, TokenLayout, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertOutput output;

    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new BertOutput(config, config.IntermediateSize); // second half of the feed-forward block
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, TokenLayout layout)
    {
        var attended = attention.call(x, layout); // (B, T, H) or (N, H)
        return output.call(intermediate.call(attended), attended); // (B, T, H) or (N, H)
    }
}

/// <summary>The stack of layers.</summary>
internal sealed class BertEncoder : Module<Tensor, TokenLayout, Tensor>
{
    private readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig config) : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, TokenLayout layout)
    {
        foreach (var block in layer) x = block.call(x, layout); // (B, T, H) or (N, H)
        return x;
    }
}

/// <summary>tanh(dense(h_[CLS])): the sentence-level vector the NSP head reads.</summary>
internal sealed class BertPooler : Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertPooler(BertConfig config) : base(nameof(BertPooler))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor cls) => tanh(dense.call(cls)); // (B, H)
}

/// <summary>
/// The encoder: embeddings, layers, pooler. Returns the sequence output in the given layout, (B, T, H) or packed
/// (N, H), and the pooled output (B, H).
/// </summary>
internal sealed class BertModel : Module<BertInputs, TokenLayout, (Tensor Sequence, Tensor Pooled)>
{
    internal readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly BertPooler pooler;

    public BertModel(BertConfig config) : base(nameof(BertModel))
    {
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        pooler = new BertPooler(config);
        RegisterComponents();
    }

    public override (Tensor Sequence, Tensor Pooled) forward(BertInputs inputs, TokenLayout layout)
    {
        var positionIds = layout.PositionIds(inputs.InputIds.device);
        var x = embeddings.call(layout.Select(inputs.InputIds), layout.Select(inputs.TokenTypeIds), positionIds); // (B, T, H) or (N, H)
        var sequence = encoder.call(x, layout); // (B, T, H) or (N, H)
        return (sequence, pooler.call(layout.FirstTokens(sequence, inputs.AttentionMask)));
    }
}

/// <summary>dense, activation, LayerNorm: the transform in front of the MLM decoder.</summary>
internal sealed class BertPredictionHeadTransform : Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly Func<Tensor, Tensor> activation;
    private readonly LayerNorm LayerNorm;

    public BertPredictionHeadTransform(BertConfig config) : base(nameof(BertPredictionHeadTransform))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        activation = Activations.For(config.HiddenAct);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => LayerNorm.call(activation(dense.call(x))); // (..., H)
}

/// <summary>The MLM head: transform, then a decoder whose weight is the word embedding matrix, plus a per-token bias.</summary>
internal sealed class BertLMPredictionHead : Module<Tensor, Tensor>
{
    private readonly BertPredictionHeadTransform transform;
    internal readonly Linear decoder;
    internal readonly Parameter bias;

    public BertLMPredictionHead(BertConfig config) : base(nameof(BertLMPredictionHead))
    {
        transform = new BertPredictionHeadTransform(config);
        // No bias of its own: HF keeps the output bias as cls.predictions.bias (decoder.bias is an alias of it).
        decoder = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        bias = nn.Parameter(zeros(config.VocabSize));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => decoder.call(transform.call(x)) + bias; // (..., V)
}

/// <summary>Both pre-training heads: token predictions and the NSP classifier.</summary>
internal sealed class BertPreTrainingHeads : Module<Tensor, Tensor, (Tensor Prediction, Tensor SeqRelationship)>
{
    internal readonly BertLMPredictionHead predictions;
    private readonly Linear seq_relationship;

    public BertPreTrainingHeads(BertConfig config) : base(nameof(BertPreTrainingHeads))
    {
        predictions = new BertLMPredictionHead(config);
        seq_relationship = nn.Linear(config.HiddenSize, 2);
        RegisterComponents();
    }

    public override (Tensor Prediction, Tensor SeqRelationship) forward(Tensor sequence, Tensor pooled)
        => (predictions.call(sequence), seq_relationship.call(pooled)); // (..., V), (B, 2)
}

/// <summary>
/// BERT with its two pre-training heads (masked LM and next-sentence prediction), parameter for parameter
/// Hugging Face's <c>BertForPreTraining</c>: same state_dict names, same initialisation, same forward and losses.
/// The MLM decoder weight is the word embedding matrix itself.
/// </summary>
public sealed class BertForPreTraining : Module<BertInputs, BertPreTrainingOutput>
{
    // Label value for positions that carry no MLM target: the shard format's, which is HF's and cross_entropy's default.
    private const long IgnoreIndex = ShardFormat.IgnoreLabel;

    /// <summary>The state_dict key that is the word embedding matrix under a second name.</summary>
    public const string TiedDecoderWeight = "cls.predictions.decoder.weight";

    /// <summary>The state_dict key the tied matrix is stored and listed under.</summary>
    public const string WordEmbeddingsWeight = "bert.embeddings.word_embeddings.weight";

    internal readonly BertModel bert;
    internal readonly BertPreTrainingHeads cls;

    public BertForPreTraining(BertConfig config) : base(nameof(BertForPreTraining))
    {
        Config = config;
        bert = new BertModel(config);
        cls = new BertPreTrainingHeads(config);
        RegisterComponents();
        InitWeights();
        TieWeights();
    }

    public BertConfig Config { get; }

    /// <summary>
    /// When labels are given, run the MLM head on the labelled positions only (about 15% of tokens) instead of all
    /// of them. The loss is the same; the (B, T, V) logits, the largest tensor in the model, are never built.
    /// </summary>
    public bool MaskedOnlyLogits { get; set; } = true;

    /// <summary>
    /// On the masked-only path, where no logits at pad positions are returned, run the encoder on the real tokens
    /// only (<see cref="TokenLayout"/>): same outputs, without the projections, feed-forward and LayerNorm work on padding.
    /// </summary>
    public bool Unpadded { get; set; } = true;

    /// <summary>Named parameters with the tied decoder weight listed once, under bert.embeddings.word_embeddings.weight (as HF's named_parameters does).</summary>
    public IReadOnlyList<(string Name, Parameter Param)> UniqueNamedParameters()
    {
        // TorchSharp hands out a distinct wrapper per name for one tied tensor, so the tie is known by name, not by object.
        return named_parameters().Where(p => p.name != TiedDecoderWeight).Select(p => (p.name, p.parameter)).ToList();
    }

    public override BertPreTrainingOutput forward(BertInputs inputs)
    {
        var labels = inputs.Labels;
        var maskedOnly = MaskedOnlyLogits && labels is not null;
        var dtype = bert.embeddings.word_embeddings.weight!.dtype;
        var layout = maskedOnly && Unpadded ? TokenLayout.Packed(inputs.AttentionMask, dtype) : TokenLayout.Padded(inputs.AttentionMask, dtype);
        var (sequence, pooled) = bert.call(inputs, layout); // (B, T, H) or (N, H), (B, H)
        Tensor? predictionLabels = null;
        if (maskedOnly)
        {
            var flat = labels!.reshape(-1); // (B*T)
            var rows = inputs.PredictedPositions ?? flat.ne(IgnoreIndex).nonzero().squeeze(1); // (M)
            sequence = layout.Rows(sequence, rows, inputs.AttentionMask); // (M, H)
            labels = predictionLabels = flat.index_select(0, rows); // (M)
        }
        var (predictionLogits, seqRelationshipLogits) = cls.call(sequence, pooled); // (B, T, V) or (M, V), (B, 2)

        // The losses in fp32 even when a bf16 or fp16 copy computes the logits, as autocast would: a softmax over the
        // vocabulary loses too much in half precision. For an fp32 model .to(Float32) is the tensor itself.
        var mlmLoss = labels is null ? null
            : F.cross_entropy(predictionLogits.reshape(-1, Config.VocabSize).to(ScalarType.Float32), labels.reshape(-1), ignore_index: IgnoreIndex);
        var nspLoss = inputs.NextSentenceLabel is null ? null
            : F.cross_entropy(seqRelationshipLogits.reshape(-1, 2).to(ScalarType.Float32), inputs.NextSentenceLabel.reshape(-1));
        var loss = mlmLoss is null ? nspLoss : nspLoss is null ? mlmLoss : mlmLoss + nspLoss;
        return new BertPreTrainingOutput(predictionLogits, seqRelationshipLogits, predictionLabels, mlmLoss, nspLoss, loss);
    }

    // HF's _init_weights: N(0, initializer_range) for Linear and Embedding weights (padding row zero), zero biases,
    // LayerNorm 1 and 0. TorchSharp's own defaults (Kaiming-uniform) differ.
    private void InitWeights()
    {
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Linear linear:
                    nn.init.normal_(linear.weight!, 0, Config.InitializerRange);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
                case Embedding embedding:
                    nn.init.normal_(embedding.weight!, 0, Config.InitializerRange);
                    break;
                case LayerNorm layerNorm:
                    nn.init.ones_(layerNorm.weight!);
                    nn.init.zeros_(layerNorm.bias!);
                    break;
            }
        }
        bert.embeddings.word_embeddings.weight![Config.PadTokenId].zero_();
    }

    // The decoder and the word embeddings share one Parameter, so one update moves both (HF's tie_weights).
    private void TieWeights() => cls.predictions.decoder.weight = bert.embeddings.word_embeddings.weight!;
}
