#!/bin/bash
# oris eval, sharded: a Slurm job array runs shard K/N of the split in each
# task (K = SLURM_ARRAY_TASK_ID, 1..N), each into its own folder. Submit from
# the repository root, then merge once every task has finished:
#
#   sbatch deploy/slurm/eval-array.sh
#   sbatch --dependency=afterok:<job id> --wrap \
#     "deno task eval --merge out/refcocog-val/shard-{1..8} --out out/refcocog-val/merged --images data/coco/train2014"
#
# A task that is requeued or rerun resumes its own shard with --resume.
# Change N in both --array and SHARDS.
#SBATCH --job-name=oris-eval
#SBATCH --array=1-8
#SBATCH --cpus-per-task=4
#SBATCH --mem=16G
#SBATCH --time=04:00:00
#SBATCH --output=out/slurm/eval-%A-%a.log
set -euo pipefail

SHARDS=${SHARDS:-8}
K=${SLURM_ARRAY_TASK_ID:?run this script with sbatch --array}
OUT=out/refcocog-val/shard-$K
RESUME=()
if [ -s "$OUT/predictions.jsonl" ]; then RESUME=(--resume); fi

exec deno task eval --refer data/refer --images data/coco/train2014 \
  --dataset refcocog --split-by umd --split val \
  --shard "$K/$SHARDS" --out "$OUT" "${RESUME[@]}"
