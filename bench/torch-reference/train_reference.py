#!/usr/bin/python3
"""Plain PyTorch eager BERT pre-training on bertsl shards: the baseline `bench` measures itself against.

Same architecture as worker/Model/Bert.cs (Hugging Face's BertForPreTraining: post-LayerNorm, exact GELU, dropout
0.1, tied decoder), same recipe as the trainer (AdamW lr 5e-5 with weight decay 0.01 except biases and LayerNorm,
clip 1.0, batches of 16 padded to their longest row, MLM logits at masked positions only unless --logits-everywhere),
read from the same safetensors shards. Prints real (non-pad) tokens per second after warm-up.

On a GPU (--device cuda) it takes plain PyTorch's own best practice for each --precision: TF32 matmuls for fp32 on
Ampere or newer, torch.autocast for bf16, autocast with GradScaler for fp16, fused AdamW, and fused attention
(scaled_dot_product_attention, PyTorch 2.0 or newer, on every device).

CPU: Debian's PyTorch, not pip's:  apt-get install -y python3-torch libopenblas0-pthread
Run:  /usr/bin/python3 bench/torch-reference/train_reference.py --shards DIR --preset small --threads 2
GPU:  python3 bench/torch-reference/train_reference.py --shards DIR --preset base --device cuda --precision bf16
"""
import argparse
import glob
import json
import math
import os
import random
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {"tiny": (2, 128, 2), "mini": (4, 256, 4), "small": (4, 512, 8), "base": (12, 768, 12)}  # layers, hidden, heads
DTYPES = {"I32": torch.int32, "I64": torch.int64, "U8": torch.uint8}


def read_safetensors(path):
    """A safetensors file as {name: tensor}: an 8-byte header length, a JSON header, then raw little-endian data."""
    with open(path, "rb") as f:
        (header_length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_length))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        flat = torch.frombuffer(bytearray(data[start:end]), dtype=DTYPES[info["dtype"]]) if end > start else torch.empty(0, dtype=DTYPES[info["dtype"]])
        tensors[name] = flat.reshape(info["shape"]).long()
    return tensors, header.get("__metadata__", {})


def load_shards(directory):
    shards = [read_safetensors(p) for p in sorted(glob.glob(os.path.join(directory, "shard-*.safetensors")))]
    if not shards:
        raise SystemExit(f"no shard-*.safetensors in {directory}: prepare them with `dotnet run -c Release --project cli -- prep`")
    names = ["input_ids", "token_type_ids", "attention_mask", "labels"]
    width = max(s[0]["input_ids"].shape[1] for s in shards)
    data = {n: torch.cat([F.pad(s[0][n], (0, width - s[0][n].shape[1]), value=-100 if n == "labels" else 0) for s in shards]) for n in names}
    data["next_sentence_label"] = torch.cat([s[0]["next_sentence_label"] for s in shards])
    return data, int(shards[0][1].get("vocab_size", 30522))


class Layer(nn.Module):
    def __init__(self, h, heads, dropout=0.1):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.attn_out, self.attn_ln = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.inter, self.out, self.out_ln = nn.Linear(h, 4 * h), nn.Linear(4 * h, h), nn.LayerNorm(h, eps=1e-12)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, mask):  # x (B, T, H), mask (B, 1, 1, T) additive
        b, t, h = x.shape
        split = lambda y: y.view(b, t, self.heads, h // self.heads).transpose(1, 2)  # (B, nh, T, hs)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        if hasattr(F, "scaled_dot_product_attention"):
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask.to(q.dtype), dropout_p=self.dropout.p if self.training else 0.0)
        else:
            scores = q @ k.transpose(-1, -2) / math.sqrt(h // self.heads) + mask
            y = self.dropout(scores.softmax(-1)) @ v
        y = y.transpose(1, 2).reshape(b, t, h)
        x = self.attn_ln(self.dropout(self.attn_out(y)) + x)
        return self.out_ln(self.dropout(self.out(F.gelu(self.inter(x)))) + x)


class BertForPreTraining(nn.Module):
    def __init__(self, vocab, layers, h, heads, max_positions=512):
        super().__init__()
        self.word, self.position, self.token_type = nn.Embedding(vocab, h, padding_idx=0), nn.Embedding(max_positions, h), nn.Embedding(2, h)
        self.emb_ln, self.dropout = nn.LayerNorm(h, eps=1e-12), nn.Dropout(0.1)
        self.layers = nn.ModuleList(Layer(h, heads) for _ in range(layers))
        self.pooler, self.transform, self.transform_ln = nn.Linear(h, h), nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.decoder_bias, self.nsp = nn.Parameter(torch.zeros(vocab)), nn.Linear(h, 2)
        for m in self.modules():  # HF's _init_weights
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0, 0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        with torch.no_grad():
            self.word.weight[0].zero_()

    def forward(self, ids, types, attention, labels, nsp_labels, predicted_rows):
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.dropout(self.emb_ln(self.word(ids) + self.position(positions) + self.token_type(types)))
        mask = (1 - attention[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, mask)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        if predicted_rows is not None:
            x, labels = x.reshape(-1, x.shape[-1])[predicted_rows], labels.reshape(-1)[predicted_rows]
        # LayerNorm in fp32, as CUDA autocast runs it; CPU autocast in PyTorch 1.13 would hand it the bf16 activations.
        logits = self.transform_ln(F.gelu(self.transform(x)).float()) @ self.word.weight.t() + self.decoder_bias  # tied decoder
        mlm = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
        return mlm + F.cross_entropy(self.nsp(pooled), nsp_labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shards", required=True)
    parser.add_argument("--preset", default="small", choices=PRESETS)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=10, help="timed steps")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--logits-everywhere", action="store_true", help="MLM logits at every position, as HF's BertForPreTraining computes them")
    parser.add_argument("--batches", help="JSON file: a list of batches, each a list of row indices in shard-name order (bench passes its own); the first --warmup are untimed")
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16"), help="autocast dtype (fp16 on cuda only); fp32 uses TF32 matmuls where the GPU has them")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    on_gpu = device.type == "cuda"
    if on_gpu:
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    elif args.precision == "fp16":
        raise SystemExit("--precision fp16 is for --device cuda (CPU autocast is bf16 only)")
    data, vocab = load_shards(args.shards)
    layers, hidden, heads = PRESETS[args.preset]
    model = BertForPreTraining(vocab, layers, hidden, heads).to(device).train()
    exempt = lambda name: name.endswith("bias") or "_ln" in name
    groups = [
        {"params": [p for n, p in model.named_parameters() if not exempt(n)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if exempt(n)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=5e-5, betas=(0.9, 0.999), eps=1e-8, **({"fused": True} if on_gpu else {}))
    half = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(args.precision)
    scaler = torch.amp.GradScaler("cuda") if args.precision == "fp16" else None
    if args.batches:
        with open(args.batches) as f:
            batches = json.load(f)
    else:
        order = list(range(data["input_ids"].shape[0]))
        random.Random(args.seed).shuffle(order)
        batches = [order[i:i + args.batch_size] for i in range(0, len(order), args.batch_size)][: args.warmup + args.steps]
    real_tokens, start = 0, None
    for step, rows in enumerate(batches):
        if step == args.warmup:
            if on_gpu:
                torch.cuda.synchronize(device)
            start = time.perf_counter()
        # Collated on the host, as a DataLoader would; the predicted positions too, so no step waits on the GPU.
        length = int(data["attention_mask"][rows].sum(1).max())
        batch = {n: data[n][rows, :length] for n in ("input_ids", "token_type_ids", "attention_mask", "labels")}
        batch["next_sentence_label"] = data["next_sentence_label"][rows]
        if not args.logits_everywhere:
            batch["predicted_rows"] = batch["labels"].reshape(-1).ne(-100).nonzero().squeeze(1)
        if step >= args.warmup:
            real_tokens += int(batch["attention_mask"].sum())
        batch = {n: t.pin_memory().to(device, non_blocking=True) if on_gpu else t for n, t in batch.items()}
        with torch.autocast(device.type, dtype=half, enabled=half is not None):
            loss = model(batch["input_ids"], batch["token_type_ids"], batch["attention_mask"], batch["labels"], batch["next_sentence_label"], batch.get("predicted_rows"))
        if scaler is None:
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
        optimizer.zero_grad(set_to_none=True)
    if on_gpu:
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    timed = len(batches) - args.warmup
    where = f"{torch.cuda.get_device_name(device)} {args.precision}" if on_gpu else f"threads {torch.get_num_threads()} {args.precision}"
    print(f"torch {torch.__version__}, {where}, preset {args.preset}, batch {args.batch_size}, "
          f"{'logits everywhere' if args.logits_everywhere else 'masked-only logits'}: {timed} steps, "
          f"{seconds / timed * 1000:.0f} ms/step, {real_tokens / seconds:.0f} real tok/s (last loss {loss.item():.3f})")


if __name__ == "__main__":
    main()
