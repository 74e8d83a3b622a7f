#!/usr/bin/env python3
"""Writes the PyTorch golden fixtures the NN tests compare against (llm.c's test_gpt2 idea).

For two tiny GPTs (GPT-2 style: LayerNorm, learned positions, GELU-tanh, tied embeddings, biases;
LLaMA style: RMSNorm, RoPE, SwiGLU, untied head, no biases) it saves, in float32 safetensors:
the initial weights (WindTunnel's parameter names), a fixed batch, the logits, the loss, every
parameter gradient, and the losses of 5 AdamW steps (grad-norm clip 1.0, decay on matmul weights).

Not run in CI (needs torch). Regenerate with:
    python3 Tests/TrainerTests/Fixtures/make_golden_gpt.py   # from the repo root, in a venv with torch
"""
import json, math, os
import torch, torch.nn as nn, torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
HERE = os.path.dirname(os.path.abspath(__file__))


class Block(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.c = c
        d, bias = c["d_model"], c["bias"]
        norm = (lambda: nn.LayerNorm(d, eps=1e-5, bias=bias)) if c["norm"] == "layernorm" else (lambda: nn.RMSNorm(d, eps=1e-6))
        s.ln1, s.ln2 = norm(), norm()
        s.attn = nn.Module()
        s.attn.qkv, s.attn.proj = nn.Linear(d, 3 * d, bias=bias), nn.Linear(d, d, bias=bias)
        s.mlp = nn.Module()
        w = c["d_ff"]
        s.mlp.fc = nn.Linear(d, 2 * w if c["activation"] == "swiglu" else w, bias=bias)
        s.mlp.proj = nn.Linear(w, d, bias=bias)

    def rope(s, x):  # x [B, H, T, Dh], rotate-half layout
        T, Dh = x.shape[2], x.shape[3]
        inv = s.c["rope_base"] ** (-torch.arange(0, Dh // 2, dtype=torch.float64) * 2 / Dh)
        ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
        cos, sin = ang.cos().float(), ang.sin().float()
        x1, x2 = x[..., : Dh // 2], x[..., Dh // 2 :]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)

    def forward(s, x):
        B, T, C = x.shape
        H = s.c["n_head"]
        q, k, v = s.attn.qkv(s.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
        if s.c["positional"] == "rope":
            q, k = s.rope(q), s.rope(k)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + s.attn.proj(y.transpose(1, 2).reshape(B, T, C))
        h = s.mlp.fc(s.ln2(x))
        if s.c["activation"] == "swiglu":
            a, g = h.chunk(2, dim=-1)
            h = F.silu(a) * g
        else:
            h = F.gelu(h, approximate="tanh")
        return x + s.mlp.proj(h)


class GPT(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.c = c
        d = c["d_model"]
        s.wte = nn.Embedding(c["vocab_size"], d)
        if c["positional"] == "learned":
            s.wpe = nn.Embedding(c["context_length"], d)
        s.blocks = nn.ModuleList(Block(c) for _ in range(c["n_layer"]))
        s.lnf = nn.LayerNorm(d, eps=1e-5, bias=c["bias"]) if c["norm"] == "layernorm" else nn.RMSNorm(d, eps=1e-6)
        if not c["tie_embeddings"]:
            s.lm_head = nn.Linear(d, c["vocab_size"], bias=False)
        for name, p in s.named_parameters():  # visible, varied values (GPT-2 scale is too flat)
            nn.init.normal_(p, std=0.1) if p.dim() > 1 else nn.init.uniform_(p, 0.5 if "weight" in name else -0.1, 1.5 if "weight" in name else 0.1)

    def forward(s, idx):
        x = s.wte(idx)
        if s.c["positional"] == "learned":
            x = x + s.wpe(torch.arange(idx.shape[1]))
        for b in s.blocks:
            x = b(x)
        x = s.lnf(x)
        return x @ (s.wte.weight if s.c["tie_embeddings"] else s.lm_head.weight).T


def make(name, c, B=3):
    model = GPT(c)
    T, V = c["context_length"], c["vocab_size"]
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, V, (B, T), generator=g)
    targets = torch.randint(0, V, (B, T), generator=g)
    tensors = {"param." + n: p.detach().clone() for n, p in model.named_parameters()}
    logits = model(ids)
    loss = F.cross_entropy(logits.view(-1, V), targets.view(-1))
    loss0 = loss.item()
    loss.backward()
    tensors["logits"] = logits.detach().clone()
    tensors.update({"grad." + n: p.grad.detach().clone() for n, p in model.named_parameters()})
    tensors["ids"] = ids.float()
    tensors["targets"] = targets.float()
    # 5 AdamW steps on the same batch, decay only on Linear weights (WindTunnel's default groups).
    decay = [p for n, p in model.named_parameters() if p.dim() == 2 and not n.startswith(("wte", "wpe"))]
    other = [p for n, p in model.named_parameters() if not (p.dim() == 2 and not n.startswith(("wte", "wpe")))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}],
                            lr=1e-2, betas=(0.9, 0.95), eps=1e-8)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = F.cross_entropy(model(ids).view(-1, V), targets.view(-1))
        losses.append(loss.item())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    meta = {"config": json.dumps(c), "loss": repr(loss0),
            "step_losses": json.dumps(losses), "torch": torch.__version__}
    path = os.path.join(HERE, f"golden_{name}.safetensors")
    save_file({k: v.contiguous() for k, v in tensors.items()}, path, metadata=meta)
    os.chmod(path, 0o644)
    print(name, "loss", meta["loss"], "steps", losses)


base = dict(vocab_size=37, context_length=9, d_model=32, n_layer=2, n_head=4, rope_base=10000.0)
make("gpt2", dict(base, d_ff=128, norm="layernorm", positional="learned", activation="gelu", tie_embeddings=True, bias=True))
make("llama", dict(base, d_ff=48, norm="rmsnorm", positional="rope", activation="swiglu", tie_embeddings=False, bias=False))
