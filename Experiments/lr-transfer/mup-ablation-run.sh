#!/bin/bash
# usage: run.sh NAME D_MODEL LR PARAM [ENV...]
name=$1; d=$2; lr=$3; par=$4; shift 4
cd "$(git rev-parse --show-toplevel)"
env "$@" ${WT_ABL_BIN:-/tmp/wt-abl} train Configs/train/shakespeare-char.json --threads 1 --out ${ABL_DIR:-/tmp/abl}/$name \
 --set model.context_length=64 --set model.n_layer=2 --set model.n_head=4 --set model.base_width=32 --set model.base_depth=2 \
 --set train.batch_size=16 --set train.steps=null --set train.tokens=409600 --set train.eval_interval=100 --set train.eval_batches=4 \
 --set train.log_interval=100 --set train.checkpoint_interval=400 --set train.final_eval_tokens=131072 \
 --set schedule.kind=cosine --set schedule.warmup_steps=40 --set schedule.min_lr_ratio=0.1 \
 --set model.d_model=$d --set optim.lr=$lr --set model.parametrization=$par > ${ABL_DIR:-/tmp/abl}/$name.log 2>&1
grep -o '"final_val_loss"[^,]*' ${ABL_DIR:-/tmp/abl}/$name/summary.json | sed "s/^/$name /"
