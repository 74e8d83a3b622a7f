#!/usr/bin/env python3
"""Writes the five sweep specs of the Porian et al. (2024) ladder at tiny scale.

Each stage changes one thing from the stage before it (the rest of the setup is shared):
  L0 kaplan    Kaplan's FLOP accounting (6 N_nonembed, fitted with N = N_nonembed), a long fixed
               warmup (500 steps), a cosine decaying over a fixed 20,000-step horizon (longer than
               any run), one LR (8e-3) and beta2 = 0.95 for every size.
  L1 lastlayer 6N accounting (all parameters: the tied unembedding counted), N = all parameters.
  L2 warmup    warmup = N tokens (round(N / tokens per step) steps), Porian et al.'s short warmup.
  L3 cosine    the cosine decays over the run's own length (Chinchilla), to 10%.
  L4 tuned     constant LR after the short warmup, LR x beta2 tuned for every size and budget.
Why a generator: the short warmup depends on each model's parameter count.
Run from anywhere: python3 make_specs.py (writes next to itself).
"""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
# The char data has 84 tokens; 65 here undercounts N by 19·d_model (at most 1.2 warmup steps, the
# only use of this count). Kept so the specs match the runs that were made.
VOCAB, CONTEXT, BATCH = 65, 64, 16
TOKENS_PER_STEP = CONTEXT * BATCH
# (d_model, n_layer, n_head): head dim 4-16, aspect ratios like the quickstart's.
SHAPES = [(8, 1, 2), (12, 1, 2), (16, 1, 2), (16, 2, 2), (24, 2, 3), (32, 2, 4),
          (48, 2, 4), (64, 2, 4), (64, 4, 4)]
BUDGETS = [1e10, 3.2e10, 1e11, 3.2e11, 1e12]

def params(d, L):
    """All parameters of the GPT-2-style model (tied embedding, learned positions, biases)."""
    block = 2 * 2 * d + (3 * d * d + 3 * d) + (d * d + d) + (4 * d * d + 4 * d) + (4 * d * d + d)
    return VOCAB * d + CONTEXT * d + L * block + 2 * d

def models(short_warmup):
    out = []
    for d, L, h in SHAPES:
        m = {"model.d_model": d, "model.n_layer": L, "model.n_head": h}
        if short_warmup:
            m["schedule.warmup_steps"] = max(1, round(params(d, L) / TOKENS_PER_STEP))
        out.append(m)
    return out

COMMON = {
    "model.context_length": CONTEXT,
    "train.batch_size": BATCH,
    "train.eval_interval": 100000,
    "train.eval_batches": 4,
    "train.final_eval_tokens": 131072,
    "train.log_interval": 50,
    "train.checkpoint_interval": 2000,
    "optim.beta2": 0.95,
}

STAGES = {
    # With the long warmup and horizon the 1e12 optimum falls below the smallest size within 3
    # epochs: these two stages allow 6, which adds the next smaller model there (4.1-5.7 epochs).
    "L0-kaplan": dict(accounting="6N_nonembed", short=False, kind="cosine", horizon=20000, tuned=False, max_epochs=6),
    "L1-lastlayer": dict(accounting="6N", short=False, kind="cosine", horizon=20000, tuned=False, max_epochs=6),
    "L2-warmup": dict(accounting="6N", short=True, kind="cosine", horizon=20000, tuned=False),
    "L3-cosine": dict(accounting="6N", short=True, kind="cosine", horizon=None, tuned=False),
    "L4-tuned": dict(accounting="6N", short=True, kind="constant", horizon=None, tuned=True),
    # The same first three stages with a 200,000-step horizon, 10x beyond the longest run, so
    # that no run decays much (the 20,000-step one lets the longest runs at 1e12 decay far).
    "L0x-kaplan-h200k": dict(accounting="6N_nonembed", short=False, kind="cosine", horizon=200000, tuned=False, max_epochs=6),
    "L1x-lastlayer-h200k": dict(accounting="6N", short=False, kind="cosine", horizon=200000, tuned=False, max_epochs=6),
    "L2x-warmup-h200k": dict(accounting="6N", short=True, kind="cosine", horizon=200000, tuned=False),
}

for name, s in STAGES.items():
    st = dict(COMMON)
    st["model.flop_accounting"] = s["accounting"]
    st["schedule.kind"] = s["kind"]
    st["schedule.min_lr_ratio"] = 0.1
    if s["horizon"]:
        st["schedule.horizon_steps"] = s["horizon"]
    if not s["short"]:
        st["schedule.warmup_steps"] = 500
    if not s["tuned"]:
        st["optim.lr"] = 8e-3
    spec = {
        "description": f"Porian et al. 2024 ladder at tiny scale, stage {name} (see README.md and make_specs.py).",
        "base": "../../Configs/train/shakespeare-char.json",
        "out_dir": f"sweeps/kvc-{name}",
        "set": st,
        "isoflop": {"budgets": BUDGETS, "models": models(s["short"]),
                    "min_tokens_per_param": 2, "max_epochs": s.get("max_epochs", 3)},
        "seeds": [1, 2],
    }
    if s["tuned"]:
        spec["tune"] = {"optim.lr": [4e-3, 8e-3, 1.6e-2, 3.2e-2], "optim.beta2": [0.95, 0.99]}
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
