/**
 * Reading a REFER dataset from its folder (edge: needs the file system):
 * `DIR/<dataset>/refs(<splitBy>).p` and `DIR/<dataset>/instances.json`, as
 * the REFER download unpacks them. The images (COCO train2014) live in a
 * folder of their own; see image_files.ts.
 *
 * @module
 */

import { join } from "node:path";
import { DatasetNotFoundError } from "../pipeline/datasets/errors.ts";
import {
  buildReferSplit,
  checkReferSplitName,
  REFER_SPLITS_BY,
  referRefsFileName,
  type ReferSplit,
  type ReferSplitName,
} from "../pipeline/datasets/refer.ts";

/** Options of {@link loadRefer}. */
export interface LoadReferOptions extends ReferSplitName {
  /** The folder that holds refcoco/, refcoco+/ and refcocog/. */
  root: string;
  /** Stop on refs whose annotation or image is missing (see buildReferSplit). */
  strict?: boolean;
}

async function listNames(dir: string): Promise<string[] | undefined> {
  try {
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    return names.sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Says what the root folder holds, for a "not found" message. */
async function whatIsThere(root: string, dataset: string): Promise<string> {
  const inDataset = await listNames(join(root, dataset));
  if (inDataset !== undefined) {
    const refs = inDataset.filter((n) => /^refs\(.*\)\.p$/.test(n));
    return `${join(root, dataset)} holds ${
      refs.length > 0 ? refs.join(", ") : "no refs(*).p file"
    }${inDataset.includes("instances.json") ? " and instances.json" : ""}`;
  }
  const inRoot = await listNames(root);
  if (inRoot === undefined) return `${root} does not exist`;
  const datasets = inRoot.filter((n) => Object.hasOwn(REFER_SPLITS_BY, n));
  return datasets.length > 0
    ? `${root} holds ${datasets.join(", ")}`
    : `${root} holds no REFER dataset folder (refcoco, refcoco+, refcocog)`;
}

async function readOrExplain(
  path: string,
  root: string,
  dataset: string,
): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new DatasetNotFoundError(
        `no file at ${path}`,
        `${await whatIsThere(root, dataset)}; unpack ${dataset}.zip of the ` +
          `REFER download (github.com/lichengunc/refer) into ${root}`,
      );
    }
    throw error;
  }
}

/**
 * Loads a split of a REFER dataset from `root/<dataset>/refs(<splitBy>).p`
 * and `root/<dataset>/instances.json`.
 *
 * @example
 * ```ts
 * import { loadRefer } from "./refer_files.ts";
 * import { describeReferSplit } from "../pipeline/datasets/refer.ts";
 *
 * const train = await loadRefer({
 *   root: "tests/fixtures/refer", // holds refcocog/refs(umd).p and instances.json
 *   dataset: "refcocog",
 *   splitBy: "umd",
 *   split: "train",
 * });
 * console.log(describeReferSplit(train)); // refcocog (umd) train: 3 images, ...
 * ```
 *
 * @throws {DatasetNotFoundError} for an unknown dataset / splits-by, missing files (saying what the folder holds), or an empty split (listing the splits present)
 * @throws {DatasetFormatError} for files that are not what REFER writes
 * @throws {DatasetFormatError} for refs that hold more sentences than a REFER file can (a file crafted to exhaust memory)
 * @throws {PickleError} for a corrupt or truncated refs file
 * @throws {DatasetIntegrityError} under `strict`, for refs whose annotation or image is missing
 */
export async function loadRefer(
  options: LoadReferOptions,
): Promise<ReferSplit> {
  const dataset = checkReferSplitName(options);
  const dir = join(options.root, dataset);
  const refsPath = join(dir, referRefsFileName(options.splitBy));
  const instancesPath = join(dir, "instances.json");
  const refs = await readOrExplain(refsPath, options.root, dataset);
  const instances = new TextDecoder().decode(
    await readOrExplain(instancesPath, options.root, dataset),
  );
  return buildReferSplit(refs, instances, {
    dataset,
    splitBy: options.splitBy,
    split: options.split,
    strict: options.strict,
    refsSource: refsPath,
    instancesSource: instancesPath,
  });
}
