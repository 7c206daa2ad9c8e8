/**
 * `oris models`: fetch, list, verify and locate models in the cache (edge
 * code: uses the file system and the network).
 *
 * @example
 * ```ts
 * const code = await runModelsCommand(["pull", "--variant", "quantized"]);
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  describeFileState,
  listCachedModels,
  modelDir,
  resolveCacheDir,
  verifyModel,
  type VerifyReport,
} from "../io/model_cache.ts";
import { type ModelEnv, readModelEnv } from "../io/model_env.ts";
import { ModelError } from "../pipeline/models/errors.ts";
import { pullCommand } from "./pull_command.ts";
import { commandLineMessage } from "./library_errors.ts";
import { DEFAULTS } from "../pipeline/defaults.ts";
import {
  DEFAULT_CLIP,
  DEFAULT_SAM,
  DEFAULT_VARIANT,
  findRegisteredModel,
  isModelKind,
  isModelVariant,
  MODEL_REGISTRY,
  MODEL_VARIANTS,
  modelFiles,
  type ModelKind,
  type ModelSpec,
  parseModelId,
  resolveModelSpec,
} from "../pipeline/models/registry.ts";
import {
  lockWaitMessage,
  ModelStore,
  modelStoreOptionsFromEnv,
} from "../io/model_store.ts";
import type { FetchLike } from "../pipeline/models/transfer.ts";
import {
  formatBytes,
  type ProgressOutput,
  stderrOutput,
  stdoutOutput,
} from "../io/progress.ts";
import { downloadProgress } from "./download_progress.ts";
import { parseCommandLine } from "./command_line.ts";
import { UsageError } from "./usage_error.ts";

/** Where the command writes and what it reads; all optional (tests inject them). */
export interface ModelsCommandIO {
  /** Results (default: standard output). */
  stdout?: (text: string) => void;
  /** Progress, notes and errors (default: standard error). */
  stderr?: ProgressOutput;
  /** Environment (default: the process environment). */
  env?: ModelEnv;
  /** fetch to use (default: the global one). */
  fetch?: FetchLike;
  /** Delay before the first retry of a dropped download, in ms (default 1000). */
  retryDelayMs?: number;
}

/**
 * The variants for the help, the default marked.
 *
 * @example
 * ```ts
 * variantChoices(); // "fp32 (default), fp16 or quantized"
 * ```
 */
function variantChoices(): string {
  const names = MODEL_VARIANTS.map((v) =>
    v === DEFAULTS.variant ? `${v} (default)` : v
  );
  return `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

/** Usage text of `models`. */
export const MODELS_USAGE = `Usage: deno task models <command> [options]

Commands:
  pull [ID...]     Download models into the cache (default: ${DEFAULT_CLIP} and ${DEFAULT_SAM})
  list             List cached models and their sizes
  verify [ID...]   Hash cached files again and look at their content; damaged ones
                   are deleted (default: every cached model)
  path ID          Print the folder of a model in the cache

Options:
  --variant V      ${variantChoices()} (pull)
  --kind K         clip or sam, for a repository oris does not know (pull)
  --revision REV   Branch, tag or commit to fetch (pull; default ${DEFAULTS.revision})
  --offline        Do not use the network; only report what the cache lacks (pull)
  --force          Download every file again, whatever the cache holds (pull)
  --repair         Download the damaged files again at once (verify)
  --cache DIR      Cache folder (default $ORIS_CACHE, else $XDG_CACHE_HOME/oris, else ~/.cache/oris)
  --models DIR     A local models folder, for path
  -h, --help       Show this help

Environment: HF_ENDPOINT (hub URL), HF_TOKEN (private or gated models),
HF_HUB_OFFLINE=1 (no network), ORIS_CACHE (cache folder).

Known models:
${
  MODEL_REGISTRY.map((m) =>
    `  ${m.id.padEnd(30)} ${m.kind.padEnd(5)} ${m.description ?? ""}`
  )
    .join("\n")
}
`;

/** Kind of a repository oris does not know, guessed from its name. */
function guessKind(id: string): ModelKind | undefined {
  const name = id.split("/")[1]?.toLowerCase() ?? "";
  const sam = /sam/.test(name);
  const clip = /clip/.test(name);
  if (sam && !clip) return "sam";
  if (clip && !sam) return "clip";
  return undefined;
}

function specFor(id: string, kind?: string, revision?: string): ModelSpec {
  if (kind !== undefined && !isModelKind(kind)) {
    throw new UsageError(
      `--kind must be clip or sam, not ${JSON.stringify(kind)}`,
    );
  }
  parseModelId(id);
  const resolved = kind ?? findRegisteredModel(id)?.kind ?? guessKind(id);
  if (!resolved) {
    throw new UsageError(
      `cannot tell whether ${id} is a CLIP or a SAM model: add --kind clip or --kind sam`,
    );
  }
  return resolveModelSpec(id, resolved, revision);
}

/** Variants whose files are all in `paths`. */
function completeVariants(spec: ModelSpec, paths: Set<string>): string[] {
  return MODEL_VARIANTS.filter((v) =>
    spec.variants[v] !== undefined &&
    modelFiles(spec, v).every((f) => paths.has(f.path))
  );
}

/** The options, the command and its model ids; "help" when help was asked for. */
function parseModelsArgs(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      variant: { type: "string" },
      kind: { type: "string" },
      revision: { type: "string" },
      offline: { type: "boolean" },
      force: { type: "boolean" },
      repair: { type: "boolean" },
      cache: { type: "string" },
      models: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...ids] = positionals;
  if (values.help || command === "help") return "help";
  if (!command) throw new UsageError("missing command");
  return { values, command, ids };
}

/**
 * Runs `models ARGS` and returns the exit code: 0 on success, 1 when a model
 * could not be fetched or verified, 2 for a usage error.
 *
 * @example
 * ```ts
 * Deno.exit(await runModelsCommand(["list"]));
 * ```
 */
export async function runModelsCommand(
  args: string[],
  io: ModelsCommandIO = {},
): Promise<number> {
  const out = io.stdout ?? stdoutOutput().write;
  const err = io.stderr ?? stderrOutput();
  const note = (text: string) => err.write(text + "\n");
  const parsed = parseCommandLine(
    () => parseModelsArgs(args),
    MODELS_USAGE,
    out,
    note,
  );
  if (typeof parsed === "number") return parsed;
  const { values, command, ids } = parsed;
  try {
    if (values.models !== undefined && command !== "path") {
      throw new UsageError(
        `--models applies to path only; ${command} works on the cache ` +
          `(choose it with --cache DIR)`,
      );
    }
    if (values.force && command !== "pull") {
      throw new UsageError(`--force applies to pull only`);
    }
    if (values.repair && command !== "verify") {
      throw new UsageError(`--repair applies to verify only`);
    }
    const env = io.env ?? readModelEnv();
    switch (command) {
      case "pull":
        return await pull(ids, values, env, io, out, err);
      case "list":
        return await list(values.cache ?? resolveCacheDir(env), out);
      case "verify":
        return await verify(
          ids,
          values.cache ?? resolveCacheDir(env),
          out,
          note,
          values.repair ? repairStore(values.cache, env, io) : undefined,
        );
      case "path": {
        if (ids.length !== 1) throw new UsageError("path takes one model id");
        const root = values.models ?? values.cache ?? resolveCacheDir(env);
        const dir = modelDir(root, ids[0]);
        out(dir + "\n");
        try {
          await Deno.stat(dir);
        } catch {
          note(
            `note: ${ids[0]} is not there yet; run \`${pullCommand(ids[0])}\``,
          );
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      note(`error: ${error.message}\n\n${MODELS_USAGE}`);
      return 2;
    }
    if (error instanceof ModelError || error instanceof RangeError) {
      note(`error: ${commandLineMessage(error)}`);
      return 1;
    }
    throw error;
  }
}

async function pull(
  ids: string[],
  values: {
    variant?: string;
    kind?: string;
    revision?: string;
    offline?: boolean;
    force?: boolean;
    cache?: string;
  },
  env: ModelEnv,
  io: ModelsCommandIO,
  out: (text: string) => void,
  err: ProgressOutput,
): Promise<number> {
  const variant = values.variant ?? DEFAULT_VARIANT;
  if (!isModelVariant(variant)) {
    throw new UsageError(
      `--variant must be one of ${MODEL_VARIANTS.join(", ")}, not ${
        JSON.stringify(variant)
      }`,
    );
  }
  const targets = ids.length > 0 ? ids : [DEFAULT_CLIP, DEFAULT_SAM];
  if (values.kind !== undefined && ids.length === 0) {
    throw new UsageError("--kind applies to the ids given on the command line");
  }
  const specs = targets.map((id) => specFor(id, values.kind, values.revision));
  const defaults = modelStoreOptionsFromEnv({
    ...env,
    ...(values.cache ? { ORIS_CACHE: values.cache } : {}),
  });
  const progress = downloadProgress(err);
  const store = new ModelStore({
    ...defaults,
    offline: values.offline || defaults.offline,
    revision: values.revision,
    fetch: io.fetch,
    retryDelayMs: io.retryDelayMs,
    onLockWait: (wait) => err.write(lockWaitMessage(wait) + "\n"),
    onProgress: progress.onProgress,
  });
  let failed = 0;
  for (const spec of specs) {
    err.write(
      `${
        store.offline ? "checking" : "pulling"
      } ${spec.id} (${variant}) in ${store.cacheDir}\n`,
    );
    try {
      const files = await store.ensure(spec, variant, {
        force: values.force,
      });
      const size = files.reduce((s, f) => s + f.size, 0);
      const fetched = files.filter((f) => f.status === "downloaded").length;
      out(
        `${spec.id} ${variant}: ${files.length} files, ${formatBytes(size)}` +
          ` (${fetched} downloaded, ${files.length - fetched} cached) in ` +
          `${modelDir(store.cacheDir, spec.id)}\n`,
      );
    } catch (error) {
      progress.interrupt();
      if (!(error instanceof ModelError || error instanceof RangeError)) {
        throw error;
      }
      err.write(`error: ${commandLineMessage(error)}\n`);
      failed++;
    }
  }
  return failed > 0 ? 1 : 0;
}

async function list(
  cacheDir: string,
  out: (text: string) => void,
): Promise<number> {
  const models = await listCachedModels(cacheDir);
  if (models.length === 0) {
    out(`no models in ${cacheDir}; run \`deno task models pull\`\n`);
    return 0;
  }
  out(`models in ${cacheDir}:\n`);
  let total = 0;
  for (const model of models) {
    total += model.size;
    const paths = new Set(model.files.filter((f) => f.meta).map((f) => f.path));
    const kind = findRegisteredModel(model.id)?.kind ?? guessKind(model.id);
    const variants = kind
      ? completeVariants(resolveModelSpec(model.id, kind), paths)
      : [];
    const extras = [
      `${model.files.length} files`,
      variants.length > 0 ? `complete: ${variants.join(", ")}` : "incomplete",
      model.partial.length > 0
        ? `${model.partial.length} partial downloads`
        : "",
    ].filter(Boolean).join(", ");
    out(
      `${model.id.padEnd(32)} ${
        formatBytes(model.size).padStart(9)
      }  ${extras}\n`,
    );
    for (const file of model.files) {
      const flag = file.meta ? "" : "  (unverified: no record)";
      out(
        `  ${file.path.padEnd(46)} ${
          formatBytes(file.size).padStart(9)
        }${flag}\n`,
      );
    }
    for (const part of model.partial) {
      out(
        `  ${(part.path + " (partial)").padEnd(46)} ${
          formatBytes(part.size).padStart(9)
        }\n`,
      );
    }
  }
  out(`total ${formatBytes(total)}\n`);
  return 0;
}

/** The store `verify --repair` fetches damaged files with (online, with progress). */
function repairStore(
  cache: string | undefined,
  env: ModelEnv,
  io: ModelsCommandIO,
): ModelStore {
  const err = io.stderr ?? stderrOutput();
  const defaults = modelStoreOptionsFromEnv({
    ...env,
    ...(cache ? { ORIS_CACHE: cache } : {}),
  });
  return new ModelStore({
    ...defaults,
    fetch: io.fetch,
    retryDelayMs: io.retryDelayMs,
    onLockWait: (wait) => err.write(lockWaitMessage(wait) + "\n"),
    onProgress: downloadProgress(err).onProgress,
  });
}

/**
 * Fetches again, with `store`, the files `report` deleted (derived files
 * are not on the hub: they are made again when needed). Returns the
 * number that failed, each named through `note`.
 */
async function repairFiles(
  store: ModelStore,
  report: VerifyReport,
  out: (text: string) => void,
  note: (text: string) => void,
): Promise<number> {
  let failed = 0;
  for (const file of report.files) {
    if (!file.removed || file.status.meta?.derivedFrom) continue;
    try {
      await store.file(report.id, file.path);
      out(`  ${file.path.padEnd(46)} fetched again\n`);
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      note(`error: ${commandLineMessage(error)}`);
      failed++;
    }
  }
  return failed;
}

async function verify(
  ids: string[],
  cacheDir: string,
  out: (text: string) => void,
  note: (text: string) => void,
  repair?: ModelStore,
): Promise<number> {
  const targets = ids.length > 0
    ? ids
    : (await listCachedModels(cacheDir)).map((m) => m.id);
  if (targets.length === 0) {
    out(`no models in ${cacheDir}; nothing to verify\n`);
    return 0;
  }
  let bad = 0;
  for (const id of targets) {
    parseModelId(id);
    const report = await verifyModel(cacheDir, id, { remove: true });
    if (report.files.length === 0) {
      note(`error: ${id} is not in ${cacheDir}; run \`${pullCommand(id)}\``);
      bad++;
      continue;
    }
    out(`${id}:\n`);
    for (const file of report.files) {
      const s = file.status;
      let text: string;
      switch (file.state) {
        case "ok":
          text = `ok  ${formatBytes(s.size ?? 0)}`;
          break;
        case "no-metadata":
          text = "unverified (no record of its hash)";
          break;
        case "missing":
          text = "missing (record without file; record dropped)";
          break;
        case "size-mismatch":
          text = `DAMAGED: ${s.size} bytes instead of ${s.meta?.size}`;
          break;
        case "hash-mismatch":
          text = `DAMAGED: SHA-256 ${s.sha256} instead of ${s.meta?.sha256}`;
          break;
        case "bad-content":
          text = `DAMAGED: ${describeFileState(s)}`;
          break;
        default:
          text = file.state;
      }
      if (file.removed) text += "; deleted";
      out(`  ${file.path.padEnd(46)} ${text}\n`);
    }
    if (!report.ok && repair) {
      const failed = await repairFiles(repair, report, out, note);
      if (failed > 0) bad++;
    } else if (!report.ok) {
      bad++;
      const spec = findRegisteredModel(id);
      note(
        `error: ${id} had damaged files (deleted); run \`${
          pullCommand(id, { kind: spec ? undefined : guessKind(id) })
        }\` to fetch them again (or verify with --repair, which does it at once)`,
      );
    }
  }
  return bad > 0 ? 1 : 0;
}
