#!/bin/bash
# oris eval, sharded: a Slurm job array runs shard K/N of the split in each
# task (K = SLURM_ARRAY_TASK_ID, 1..N), each into its own folder. Submit from
# the repository root, then merge once every task has succeeded:
#
#   job=$(sbatch --parsable deploy/slurm/eval-array.sh)
#   shards=$(for k in $(seq 1 8); do printf ' out/refcocog-val/shard-%s' "$k"; done)
#   sbatch --dependency="afterok:${job%%;*}" --output=eval-merge-%j.out --wrap \
#     "deno task eval --merge$shards --out out/refcocog-val/merged --images data/coco/train2014"
#
# (--wrap runs under /bin/sh, which has no brace expansion: the shard list is
# written out by the submitting shell.) Each task's log is
# eval-shard-<job>-<K>.out in the folder sbatch was run from.
#
# A task that is requeued or rerun resumes its own shard with --resume.
# For N shards: SHARDS=N sbatch --array=1-N deploy/slurm/eval-array.sh
# (sbatch passes SHARDS on; --array on the command line replaces the one
# below), and seq 1 N in the merge.
#SBATCH --job-name=oris-eval
#SBATCH --array=1-8
#SBATCH --cpus-per-task=4
#SBATCH --mem=16G
#SBATCH --time=04:00:00
#SBATCH --output=eval-shard-%A-%a.out
#SBATCH --open-mode=append
set -euo pipefail

SHARDS=${SHARDS:-8}
K=${SLURM_ARRAY_TASK_ID:?run this script with sbatch --array}
OUT=out/refcocog-val/shard-$K
RESUME=""
if [ -s "$OUT/predictions.jsonl" ]; then RESUME=--resume; fi

# Slurm runs one instance of a task at a time, so a lock in the task's own
# folder at a requeue is the previous attempt's. Stopped by Slurm (SIGTERM:
# time limit, preemption, scancel), eval removes its lock itself; a node
# that failed leaves it, and the new attempt, on another node, could not
# tell that its holder is gone.
if [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then rm -f "$OUT/.lock"; fi

# shellcheck disable=SC2086 # $RESUME is empty or one word
exec deno task eval --refer data/refer --images data/coco/train2014 \
  --dataset refcocog --split-by umd --split val \
  --shard "$K/$SHARDS" --out "$OUT" $RESUME
