/**
 * The image files of a dataset (edge: needs the file system): where an
 * image's file is, and which files are missing. A missing file is counted
 * and reported; in strict mode (`strict`) it is an error.
 *
 * @module
 */

import { isAbsolute, join, normalize } from "node:path";
import {
  DatasetFormatError,
  DatasetIntegrityError,
} from "../pipeline/datasets/errors.ts";
import type { DatasetId, DatasetImage } from "../pipeline/datasets/types.ts";

/**
 * An image file name that is not a path inside the images folder: empty,
 * absolute, or climbing out of it ("..").
 */
export class ImagePathError extends DatasetFormatError {
  /** The file name as the dataset gives it. */
  readonly fileName: string;

  /** Creates the error for `fileName`. */
  constructor(fileName: string) {
    super(
      { source: "dataset", field: "file" },
      `image file name ${JSON.stringify(fileName)} is not a path inside the ` +
        "images folder",
      "dataset file names are relative to the images folder; " +
        'fix the name (no leading "/", no "..")',
    );
    this.name = "ImagePathError";
    this.fileName = fileName;
  }
}

/** Image files missing from the images folder, in strict mode. */
export class MissingImagesError extends DatasetIntegrityError {
  /** The images folder. */
  readonly imagesDir: string;
  /** The images whose file is missing. */
  readonly missing: readonly MissingImage[];

  /** Creates the error for the missing images of `report`. */
  constructor(report: ImageCheckReport, imagesDir: string) {
    super(
      `${report.missing.length} of ${report.checked} image files are missing ` +
        `from ${imagesDir}`,
      report.missing.map((m) => `image ${m.id}: ${m.path}`),
      "check the images folder (COCO train2014 for RefCOCO, RefCOCO+ and " +
        "RefCOCOg), or read without strict mode to skip these images",
    );
    this.name = "MissingImagesError";
    this.imagesDir = imagesDir;
    this.missing = [...report.missing];
  }
}

/**
 * The path of an image file: `fileName` (as the dataset gives it, relative
 * to the images folder; sub-folders allowed) inside `imagesDir`.
 *
 * @example
 * ```ts
 * import { resolveImagePath } from "./image_files.ts";
 * resolveImagePath("coco/train2014", "COCO_train2014_000000581857.jpg");
 * // "coco/train2014/COCO_train2014_000000581857.jpg"
 * ```
 *
 * @throws {ImagePathError} (a DatasetFormatError) for an empty or absolute name, or one that climbs out of the folder ("..")
 */
export function resolveImagePath(imagesDir: string, fileName: string): string {
  const parts = fileName.split(/[\\/]+/);
  if (fileName === "" || isAbsolute(fileName) || parts.includes("..")) {
    throw new ImagePathError(fileName);
  }
  return join(imagesDir, normalize(parts.join("/")));
}

/** An image whose file is not in the images folder. */
export interface MissingImage {
  /** The image's id. */
  id: DatasetId;
  /** The file name as the dataset gives it. */
  file: string;
  /** The path that was looked for. */
  path: string;
}

/** The result of checking a dataset's image files. */
export interface ImageCheckReport {
  /** Images checked. */
  checked: number;
  /** Images whose file is missing, in dataset order. */
  missing: MissingImage[];
}

/**
 * Whether an image's file exists (and is a file) in the images folder.
 *
 * @example
 * ```ts
 * import { imageFileExists } from "./image_files.ts";
 * const ok = await imageFileExists("images", { file: "a.png" });
 * ```
 */
export async function imageFileExists(
  imagesDir: string,
  image: Pick<DatasetImage, "file">,
): Promise<boolean> {
  try {
    return (await Deno.stat(resolveImagePath(imagesDir, image.file))).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function missingError(
  report: ImageCheckReport,
  imagesDir: string,
): MissingImagesError {
  return new MissingImagesError(report, imagesDir);
}

/**
 * Checks that every image's file exists; returns the missing ones.
 *
 * @example
 * ```ts
 * import { findMissingImages, describeMissingImages } from "./image_files.ts";
 * import { loadRefer } from "./refer_files.ts";
 *
 * const train = await loadRefer({
 *   root: "tests/fixtures/refer",
 *   dataset: "refcocog",
 *   splitBy: "umd",
 *   split: "train",
 * });
 * const report = await findMissingImages(train.images, "tests/fixtures/refer/images");
 * if (report.missing.length > 0) console.warn(describeMissingImages(report));
 * ```
 *
 * @param images the dataset's images
 * @param imagesDir the images folder
 * @param options `strict`: throw when any is missing (after checking all)
 * @throws {MissingImagesError} (a DatasetIntegrityError) under `strict`, listing the missing files
 */
export async function findMissingImages(
  images: Iterable<DatasetImage> | AsyncIterable<DatasetImage>,
  imagesDir: string,
  options: { strict?: boolean } = {},
): Promise<ImageCheckReport> {
  const report: ImageCheckReport = { checked: 0, missing: [] };
  for await (const image of images) {
    report.checked++;
    if (!(await imageFileExists(imagesDir, image))) {
      report.missing.push({
        id: image.id,
        file: image.file,
        path: resolveImagePath(imagesDir, image.file),
      });
    }
  }
  if (options.strict && report.missing.length > 0) {
    throw missingError(report, imagesDir);
  }
  return report;
}

/**
 * Streams the images whose file exists, recording the others in `report`
 * (which the caller reads when the stream ends). Under `strict`, the first
 * missing file is an error.
 *
 * @example
 * ```ts
 * import { withImageFiles, type ImageCheckReport } from "./image_files.ts";
 * import { readJsonlDataset } from "./jsonl_files.ts";
 *
 * const report: ImageCheckReport = { checked: 0, missing: [] };
 * const images = readJsonlDataset("tests/fixtures/jsonl/small.jsonl");
 * for await (const image of withImageFiles(images, "tests/fixtures/refer/images", { report })) {
 *   console.log(image.file);
 * }
 * console.log(`${report.missing.length} missing`);
 * ```
 *
 * @throws {MissingImagesError} (a DatasetIntegrityError) under `strict`, at the first missing file
 */
export async function* withImageFiles(
  images: Iterable<DatasetImage> | AsyncIterable<DatasetImage>,
  imagesDir: string,
  options: { strict?: boolean; report?: ImageCheckReport } = {},
): AsyncGenerator<DatasetImage> {
  const report = options.report ?? { checked: 0, missing: [] };
  for await (const image of images) {
    report.checked++;
    if (await imageFileExists(imagesDir, image)) {
      yield image;
      continue;
    }
    report.missing.push({
      id: image.id,
      file: image.file,
      path: resolveImagePath(imagesDir, image.file),
    });
    if (options.strict) throw missingError(report, imagesDir);
  }
}

/**
 * A summary of missing image files for logs: the count, then the first
 * few paths.
 *
 * @example
 * ```ts
 * import { describeMissingImages } from "./image_files.ts";
 * describeMissingImages({ checked: 3, missing: [{ id: 1, file: "a.png", path: "img/a.png" }] });
 * // "1 of 3 image files missing (skipped):\n  img/a.png"
 * ```
 */
export function describeMissingImages(
  report: ImageCheckReport,
  listed = 5,
): string {
  if (report.missing.length === 0) {
    return `all ${report.checked} image files present`;
  }
  let text =
    `${report.missing.length} of ${report.checked} image files missing (skipped):`;
  for (const m of report.missing.slice(0, listed)) text += `\n  ${m.path}`;
  if (report.missing.length > listed) {
    text += `\n  ... and ${report.missing.length - listed} more`;
  }
  return text;
}
