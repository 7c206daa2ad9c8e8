/**
 * Rewritten models that are used only where they compute what the stock
 * model computes: a graph rewrite (e.g. the fast SAM decoder or encoder)
 * is derived from the stock file's bytes, run beside the stock model on a
 * probe, and kept in the model cache with a record (model metadata) of what
 * it did and on which backends it was checked. A rewrite whose structure is
 * not found, or whose outputs differ, leaves the stock graph running, with
 * a record of why, so the next runs do not try again; one that cannot run
 * on a backend is not kept, so the next run tries again.
 *
 * Each rewrite supplies its part as a {@linkcode GraphRewrite}; this module
 * holds what they share: the record, derivation, check and cache.
 *
 * @module
 */

import {
  modelMetadata,
  type OnnxModel,
  readOnnxModel,
  writeOnnxModel,
} from "./onnx/model.ts";
import { ProtobufError } from "./onnx/protobuf.ts";
import type { InferenceSession, ValueInfo } from "./inference.ts";
import {
  type DerivedFrom,
  type ModelSource,
  readDerivedFile,
} from "./source.ts";
import type { Tensor } from "./tensor.ts";
import { describeError } from "./transfer.ts";

/** What every rewrite's record says (its metadata holds it as JSON). */
export interface RewriteRecord {
  /**
   * "fast": rewritten; "none": the rewrite's structure was not found, or
   * the probe cannot exercise the model (it runs as exported); "refused":
   * the rewritten model's outputs differed from the stock one's on the
   * probe (it runs as exported); "unchecked": the rewritten model could
   * not be opened or run on this backend, so the stock one runs and
   * nothing is kept (the next run tries again).
   */
  readonly rewrite: "fast" | "none" | "refused" | "unchecked";
  /**
   * Backends on which the rewritten model agreed with the stock one on the
   * probe; a run on another backend checks it again before using it.
   */
  readonly checkedOn?: readonly string[];
  /** Why the model is used as exported, where it is. */
  readonly unchanged?: string;
}

/** A model the rewrite finds nothing to do in, or bytes that are no model. */
export class RewriteMappingError extends Error {
  /** Creates the error; `message` says what was not found. */
  constructor(message: string) {
    super(message);
    this.name = "RewriteMappingError";
  }
}

/**
 * One graph rewrite: how it changes a graph, what its record holds besides
 * {@linkcode RewriteRecord}'s fields (`R`), and how to probe the model.
 */
export interface GraphRewrite<R extends RewriteRecord> {
  /** The derived file's kind in the model cache, e.g. "fast-decoder-v1". */
  readonly derivation: string;
  /** Metadata key of the record in the derived model. */
  readonly metadataKey: string;
  /** The rewritten model in messages, e.g. "the fast decoder". */
  readonly title: string;
  /** The stock model in messages, e.g. "the stock decoder". */
  readonly stockTitle: string;
  /**
   * Rewrites `model`'s graph in place and returns the record's own fields;
   * throws a {@linkcode RewriteMappingError} (or a subclass) when its
   * structure is not found. `label` names the model in messages.
   */
  apply(model: OnnxModel, label: string): Omit<R, keyof RewriteRecord>;
  /** The record's own fields for a model left as it is. */
  readonly untouched: Omit<R, keyof RewriteRecord>;
  /**
   * Inputs that exercise what the rewrite changed, for a model with these
   * inputs; throws a {@linkcode RewriteMappingError} for one it cannot fill.
   */
  probe(inputs: readonly ValueInfo[]): Record<string, Tensor>;
  /** Makes the rewrite's mapping error (a subclass, where it has one). */
  mappingError?(message: string): RewriteMappingError;
}

/** The bytes to run and the record that says what they are. */
export interface Rewritten<R extends RewriteRecord> {
  /** The model's bytes. */
  readonly bytes: Uint8Array;
  /** What the derivation did. */
  readonly info: R;
}

/** Relative difference above which a rewritten model is not used. */
export const PROBE_TOLERANCE = 1e-4;

/**
 * Deterministic values in [-1, 1) (a linear congruential sequence), for
 * probes.
 *
 * @example
 * ```ts
 * probeValues(3, 17).length; // 3, the same on every run
 * ```
 */
export function probeValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/**
 * The record `rewrite` left in a model's bytes; undefined for a stock model
 * (or bytes that are no model).
 */
export function rewriteRecord<R extends RewriteRecord>(
  rewrite: GraphRewrite<R>,
  bytes: Uint8Array,
): R | undefined {
  try {
    return parseRecord(modelMetadata(bytes, rewrite.metadataKey));
  } catch {
    return undefined;
  }
}

/** A record from its metadata value; undefined where absent or not JSON. */
function parseRecord<R>(value: string | undefined): R | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as R;
  } catch {
    return undefined;
  }
}

/** The rewrite's mapping error with `message`. */
function mappingError<R extends RewriteRecord>(
  rewrite: GraphRewrite<R>,
  message: string,
): RewriteMappingError {
  return rewrite.mappingError?.(message) ?? new RewriteMappingError(message);
}

/** Reads a model for rewriting; bytes that are no model are a mapping error. */
function readForRewrite<R extends RewriteRecord>(
  rewrite: GraphRewrite<R>,
  bytes: Uint8Array,
  label: string,
): OnnxModel {
  try {
    return readOnnxModel(bytes);
  } catch (e) {
    if (e instanceof ProtobufError) {
      throw mappingError(
        rewrite,
        `${label} is not an ONNX model (${e.message})`,
      );
    }
    throw e;
  }
}

/**
 * Applies `rewrite` to a stock model's bytes (no file system needed) and
 * returns the rewritten bytes with their record; a model that already has
 * a record is returned as it is.
 *
 * @throws {RewriteMappingError} when the bytes are no ONNX model, or the
 *   rewrite's structure is not found.
 */
export function deriveRewrite<R extends RewriteRecord>(
  rewrite: GraphRewrite<R>,
  bytes: Uint8Array,
  options: { label?: string; checkedOn?: readonly string[] } = {},
): Rewritten<R> {
  const label = options.label ?? rewrite.stockTitle;
  const model = readForRewrite(rewrite, bytes, label);
  const kept = parseRecord<R>(modelMetadata(model, rewrite.metadataKey));
  if (kept !== undefined) return { bytes, info: kept };
  const info = {
    rewrite: "fast",
    ...rewrite.apply(model, label),
    ...(options.checkedOn ? { checkedOn: options.checkedOn } : {}),
  } as R;
  model.metadata.push([rewrite.metadataKey, JSON.stringify(info)]);
  return { bytes: writeOnnxModel(model), info };
}

/**
 * The stock model's graph unchanged, with a record saying why it is used
 * as exported: what is kept in place of a rewritten model that could not
 * be made or did not compute the same, so the next runs do not try again.
 */
export function unchangedModel<R extends RewriteRecord>(
  rewrite: GraphRewrite<R>,
  bytes: Uint8Array,
  kind: "none" | "refused",
  reason: string,
): Rewritten<R> {
  const model = readOnnxModel(bytes);
  const info = { rewrite: kind, ...rewrite.untouched, unchanged: reason } as R;
  model.metadata.push([rewrite.metadataKey, JSON.stringify(info)]);
  return { bytes: writeOnnxModel(model), info };
}

/**
 * Largest difference between two outputs relative to the first's scale:
 * max |a - b| / max(1, max |a|).
 */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  let diff = 0, scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return diff / scale;
}

/**
 * What differs between a stock run's outputs and a rewritten run's beyond
 * {@linkcode PROBE_TOLERANCE}, or undefined when every output has the same
 * dims and values.
 */
export function outputDifference<R extends RewriteRecord>(
  rewrite: GraphRewrite<R>,
  expected: Record<string, Tensor>,
  got: Record<string, Tensor>,
): string | undefined {
  for (const [name, want] of Object.entries(expected)) {
    const have = got[name];
    if (!have || have.dims.join() !== want.dims.join()) {
      return `its output "${name}" has dims [${
        have?.dims ?? ""
      }], not [${want.dims}]`;
    }
    if (want.type !== "float32") continue;
    const d = relativeDifference(
      want.data as Float32Array,
      have.data as Float32Array,
    );
    if (!(d <= PROBE_TOLERANCE)) {
      return `${rewrite.title}'s output "${name}" differs from ${rewrite.stockTitle}'s by ${
        d.toExponential(2)
      } (relative) on the probe`;
    }
  }
  return undefined;
}

/**
 * The model to run, as bytes: the rewritten model derived from `stock`
 * when it computes what `stock` computes on the rewrite's probe (run with
 * sessions made by `open`, on `options.backend`, added to the record's
 * `checkedOn`), else `stock` with a record of why
 * ({@linkcode unchangedModel}); or, where the rewritten model cannot be
 * opened or run there, `stock` as it is with `rewrite: "unchecked"` (not to
 * be kept). The stock model failing to open or run throws: the model
 * itself is at fault. The two sessions are not open at once, so the check
 * needs no more memory than one of them.
 */
export async function verifiedRewrite<R extends RewriteRecord>(
  rewrite: GraphRewrite<R>,
  stock: Uint8Array,
  open: (bytes: Uint8Array) => Promise<InferenceSession>,
  label: string = rewrite.stockTitle,
  options: { backend?: string; checkedOn?: readonly string[] } = {},
): Promise<Rewritten<R>> {
  const backend = options.backend ?? "this";
  let derived: Rewritten<R>;
  try {
    derived = deriveRewrite(rewrite, stock, {
      label,
      checkedOn: [...(options.checkedOn ?? []), backend],
    });
  } catch (e) {
    // A graph the rewrite cannot read runs as exported, whatever the cause.
    const why = e instanceof RewriteMappingError
      ? e.message
      : `${label}: ${describeError(e)}`;
    return unchangedModel(rewrite, stock, "none", why);
  }
  if (derived.info.rewrite !== "fast") return derived;
  let feeds: Record<string, Tensor>;
  let expected: Record<string, Tensor>;
  const stockSession = await open(stock);
  try {
    try {
      feeds = rewrite.probe(stockSession.inputs);
    } catch (e) {
      if (!(e instanceof RewriteMappingError)) throw e;
      return unchangedModel(rewrite, stock, "none", `${label}: ${e.message}`);
    }
    expected = await stockSession.run(feeds);
  } finally {
    await stockSession.release();
  }
  let got: Record<string, Tensor>;
  let derivedSession: InferenceSession | undefined;
  try {
    derivedSession = await open(derived.bytes);
    got = await derivedSession.run(feeds);
  } catch (e) {
    return {
      bytes: stock,
      info: {
        rewrite: "unchecked",
        ...rewrite.untouched,
        unchanged:
          `${label}: ${rewrite.title} could not run on the ${backend} backend (${
            describeError(e)
          }); the next run checks it again`,
      } as R,
    };
  } finally {
    await derivedSession?.release();
  }
  const problem = outputDifference(rewrite, expected, got);
  if (problem === undefined) return derived;
  return unchangedModel(rewrite, stock, "refused", `${label}: ${problem}`);
}

/** The model {@linkcode rewrittenModel} found or made, and where it came from. */
export interface RewrittenModel<R extends RewriteRecord> extends Rewritten<R> {
  /** "kept": the one the source keeps; "derived": made (and checked) now. */
  readonly from: DerivedFrom;
  /** Whether the source keeps it for the next runs. */
  readonly stored: boolean;
  /** Why one made now could not be kept, where it could not. */
  readonly keepError?: string;
}

/**
 * The model to run for the stock file `path` of `repo` on `backend`: the
 * one `source` keeps (kind `rewrite.derivation`) when its record says it
 * was checked there (or it is the stock graph with its record), else
 * {@linkcode verifiedRewrite}'s, kept for the next runs where the source
 * keeps derived files (an "unchecked" one is not kept).
 */
export async function rewrittenModel<R extends RewriteRecord>(
  rewrite: GraphRewrite<R>,
  source: ModelSource,
  repo: string,
  path: string,
  open: (bytes: Uint8Array) => Promise<InferenceSession>,
  backend?: string,
): Promise<RewrittenModel<R>> {
  let keepError: string | undefined;
  let info: R | undefined;
  let checkedOn: readonly string[] | undefined;
  const got = await readDerivedFile(
    source,
    repo,
    path,
    rewrite.derivation,
    async (stock) => {
      const made = await verifiedRewrite(
        rewrite,
        stock,
        open,
        source.describe(repo, path),
        { backend, checkedOn },
      );
      info = made.info;
      return made.bytes;
    },
    {
      onKeepError: (e) => keepError = describeError(e),
      accept: (kept) => {
        const record = rewriteRecord(rewrite, kept);
        // A rewritten model not yet run on this backend is checked again.
        if (
          record?.rewrite === "fast" && backend !== undefined &&
          !record.checkedOn?.includes(backend)
        ) {
          checkedOn = record.checkedOn;
          return false;
        }
        info = record;
        return record !== undefined;
      },
      // A model that could not run here is tried again next time.
      keep: () => info?.rewrite !== "unchecked",
    },
  );
  return {
    ...got,
    info: info ?? ({ rewrite: "none", ...rewrite.untouched } as R),
    ...(keepError ? { keepError } : {}),
  };
}
