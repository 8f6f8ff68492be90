#!/usr/bin/python3
"""Writes the golden files the C# model tests compare against (tests/Worker.Tests/golden/).

A PyTorch port of Hugging Face transformers' modeling_bert.BertForPreTraining (eager attention path, absolute
positions, no cache), module for module and name for name, since transformers itself is not installable here.
It builds a small random BERT, saves it in the three layouts real checkpoints come in, and records a forward pass:

  hf-safetensors/   config.json + model.safetensors as save_pretrained writes it today: LayerNorm.weight/bias,
                    tied cls.predictions.decoder.weight (and decoder.bias) omitted.
  hf-legacy-bin/    config.json + pytorch_model.bin (torch.save of the full state_dict) as in the original
                    bert-base-uncased upload: LayerNorm.gamma/beta, decoder weight and bias present, and the
                    bert.embeddings.position_ids buffer.
  forward.safetensors  inputs (input_ids, token_type_ids, attention_mask, labels, next_sentence_label) and
                    outputs (prediction_logits, seq_relationship_logits, mlm_loss, nsp_loss, loss), model in eval().

Run with Debian's python3-torch:  /usr/bin/python3 tools/golden/make_golden.py
Deterministic (fixed seed); rerunning rewrites identical files on the same torch build.
"""
import json
import math
import os
import struct

import torch
from torch import nn

CONFIG = {
    "architectures": ["BertForPreTraining"],
    "model_type": "bert",
    "vocab_size": 1000,
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 64,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 64,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-12,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
}
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "Worker.Tests", "golden")


class Config:
    def __init__(self, d):
        self.__dict__.update(d)


# ---- modeling_bert.py, eager path ----------------------------------------------------------------------------

def gelu(x):
    # transformers.activations.GELUActivation: the exact erf form
    return nn.functional.gelu(x)


class BertEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        # persistent, as in the transformers versions that wrote the original bert-base-uncased checkpoints
        self.register_buffer("position_ids", torch.arange(config.max_position_embeddings).expand((1, -1)))

    def forward(self, input_ids, token_type_ids):
        seq_length = input_ids.size(1)
        position_ids = self.position_ids[:, :seq_length]
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


class BertSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(config.hidden_size, self.all_head_size)
        self.key = nn.Linear(config.hidden_size, self.all_head_size)
        self.value = nn.Linear(config.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def transpose_for_scores(self, x):
        new_x_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        return x.view(new_x_shape).permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask):
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        attention_scores = attention_scores + attention_mask
        attention_probs = nn.functional.softmax(attention_scores, dim=-1)
        attention_probs = self.dropout(attention_probs)
        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        return context_layer.view(context_layer.size()[:-2] + (self.all_head_size,))


class BertSelfOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states, attention_mask):
        return self.output(self.self(hidden_states, attention_mask), hidden_states)


class BertIntermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)

    def forward(self, hidden_states):
        return gelu(self.dense(hidden_states))


class BertOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states, attention_mask):
        attention_output = self.attention(hidden_states, attention_mask)
        return self.output(self.intermediate(attention_output), attention_output)


class BertEncoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, hidden_states, attention_mask):
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, attention_mask)
        return hidden_states


class BertPooler(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        return self.activation(self.dense(hidden_states[:, 0]))


class BertModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config)

    def forward(self, input_ids, attention_mask, token_type_ids):
        # ModuleUtilsMixin.get_extended_attention_mask
        extended = attention_mask[:, None, None, :].to(torch.float32)
        extended = (1.0 - extended) * torch.finfo(torch.float32).min
        sequence_output = self.encoder(self.embeddings(input_ids, token_type_ids), extended)
        return sequence_output, self.pooler(sequence_output)


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states):
        return self.LayerNorm(gelu(self.dense(hidden_states)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.transform = BertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.decoder.bias = self.bias

    def forward(self, hidden_states):
        return self.decoder(self.transform(hidden_states))


class BertPreTrainingHeads(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)
        self.seq_relationship = nn.Linear(config.hidden_size, 2)

    def forward(self, sequence_output, pooled_output):
        return self.predictions(sequence_output), self.seq_relationship(pooled_output)


class BertForPreTraining(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.bert = BertModel(config)
        self.cls = BertPreTrainingHeads(config)
        self.apply(self._init_weights)
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight  # tie_weights

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
            if module.padding_idx is not None:
                module.weight.data[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)

    def forward(self, input_ids, attention_mask, token_type_ids, labels, next_sentence_label):
        sequence_output, pooled_output = self.bert(input_ids, attention_mask, token_type_ids)
        prediction_scores, seq_relationship_score = self.cls(sequence_output, pooled_output)
        loss_fct = nn.CrossEntropyLoss()
        masked_lm_loss = loss_fct(prediction_scores.view(-1, self.config.vocab_size), labels.view(-1))
        next_sentence_loss = loss_fct(seq_relationship_score.view(-1, 2), next_sentence_label.view(-1))
        return prediction_scores, seq_relationship_score, masked_lm_loss, next_sentence_loss, masked_lm_loss + next_sentence_loss


# ---- files ---------------------------------------------------------------------------------------------------

DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def write_safetensors(path, tensors, metadata=None):
    """The safetensors layout: u64 header length, JSON header, raw little-endian data (no safetensors package here)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def write_config(directory):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)


def main():
    torch.manual_seed(1234)
    config = Config(CONFIG)
    model = BertForPreTraining(config)
    # HF's init leaves biases 0 and LayerNorms 1/0, which would hide a swapped bias or a missing LayerNorm
    # affine: perturb every parameter so each one shows in the outputs.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("LayerNorm.weight"):
                p.add_(torch.randn_like(p) * 0.1)
            elif name.endswith("bias"):
                p.normal_(0, 0.1)
            else:
                p.normal_(0, 0.2)
        model.bert.embeddings.word_embeddings.weight[config.pad_token_id].zero_()
    model.eval()

    state = model.state_dict()  # includes cls.predictions.decoder.{weight,bias} and position_ids

    # Today's save_pretrained: tied keys dropped, non-persistent buffers absent, LayerNorm.weight/bias.
    modern = {k: v for k, v in state.items()
              if k not in ("cls.predictions.decoder.weight", "cls.predictions.decoder.bias", "bert.embeddings.position_ids")}
    write_config(os.path.join(OUT, "hf-safetensors"))
    write_safetensors(os.path.join(OUT, "hf-safetensors", "model.safetensors"), modern, {"format": "pt"})

    # The original Google-converted layout: gamma/beta, every key present, torch.save pickle.
    legacy = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v
              for k, v in state.items()}
    write_config(os.path.join(OUT, "hf-legacy-bin"))
    torch.save(legacy, os.path.join(OUT, "hf-legacy-bin", "pytorch_model.bin"))

    batch, length = 2, 12
    g = torch.Generator().manual_seed(99)
    input_ids = torch.randint(1, config.vocab_size, (batch, length), generator=g)
    attention_mask = torch.ones(batch, length, dtype=torch.int64)
    attention_mask[1, 9:] = 0  # second row: 9 tokens then padding
    input_ids[1, 9:] = config.pad_token_id
    token_type_ids = torch.zeros(batch, length, dtype=torch.int64)
    token_type_ids[:, 5:9] = 1
    labels = torch.full((batch, length), -100, dtype=torch.int64)
    for b, t in [(0, 1), (0, 4), (0, 10), (1, 2), (1, 7)]:
        labels[b, t] = torch.randint(1, config.vocab_size, (1,), generator=g)
    next_sentence_label = torch.tensor([0, 1])

    with torch.no_grad():
        prediction_logits, seq_relationship_logits, mlm_loss, nsp_loss, loss = model(
            input_ids, attention_mask, token_type_ids, labels, next_sentence_label)
    write_safetensors(os.path.join(OUT, "forward.safetensors"), {
        "input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask,
        "labels": labels, "next_sentence_label": next_sentence_label,
        "prediction_logits": prediction_logits, "seq_relationship_logits": seq_relationship_logits,
        "mlm_loss": mlm_loss.reshape(1), "nsp_loss": nsp_loss.reshape(1), "loss": loss.reshape(1),
    }, {"torch": torch.__version__, "source": "tools/golden/make_golden.py"})
    print(f"mlm_loss={mlm_loss.item():.6f} nsp_loss={nsp_loss.item():.6f} logits |max|={prediction_logits.abs().max().item():.3f}")


if __name__ == "__main__":
    main()
