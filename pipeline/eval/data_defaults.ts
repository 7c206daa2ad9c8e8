/**
 * What an evaluation takes when its caller leaves the data's names or the
 * alpha out: the dataset and split from {@linkcode DEFAULTS}, the
 * splits-by from the REFER table (the first a dataset is distributed
 * with), and the paper's alpha for the dataset.
 *
 * @module
 */

import { DEFAULTS } from "../defaults.ts";
import { REFER_SPLITS_BY } from "../datasets/refer.ts";

/** A REFER split's names, each given or not. */
export interface ReferNamesInput {
  /** The dataset; default `DEFAULTS.evaluation.dataset`. */
  readonly dataset?: string;
  /** The splits-by; default the first the dataset has in `REFER_SPLITS_BY`. */
  readonly splitBy?: string;
  /** The split; default `DEFAULTS.evaluation.split`. */
  readonly split?: string;
}

/** A REFER split's names, resolved. */
export interface ReferNames {
  /** The dataset, e.g. "refcocog". */
  readonly dataset: string;
  /** The splits-by, e.g. "umd"; "" for a dataset the table does not know (reading it fails). */
  readonly splitBy: string;
  /** The split, e.g. "val". */
  readonly split: string;
}

/**
 * The names of the REFER split to evaluate: each given, else its default.
 *
 * @example
 * ```ts
 * referNames({}); // { dataset: "refcocog", splitBy: "umd", split: "val" }
 * referNames({ dataset: "refcoco+" }).splitBy; // "unc"
 * ```
 */
export function referNames(given: ReferNamesInput): ReferNames {
  const dataset = given.dataset ?? DEFAULTS.evaluation.dataset;
  const table: Readonly<Record<string, readonly string[]>> = REFER_SPLITS_BY;
  const splitBy = given.splitBy ??
    (Object.hasOwn(table, dataset) ? table[dataset][0] : "");
  return { dataset, splitBy, split: given.split ?? DEFAULTS.evaluation.split };
}

/**
 * The alpha an evaluation of `dataset` uses when none is given: the
 * paper's for a REFER dataset (`DEFAULTS.alphaByDataset`), else
 * `DEFAULTS.alpha` (JSONL data: pass undefined).
 *
 * @example
 * ```ts
 * alphaFor("refcoco"); // 0.95
 * alphaFor(undefined); // 0.85
 * ```
 */
export function alphaFor(dataset: string | undefined): number {
  return dataset !== undefined &&
      Object.hasOwn(DEFAULTS.alphaByDataset, dataset)
    ? DEFAULTS.alphaByDataset[dataset]
    : DEFAULTS.alpha;
}
