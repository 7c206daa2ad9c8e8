/**
 * The edge of oris: reading and writing image files and the on-disk model
 * cache. Needs the file system (and network for downloads); the core in
 * mod.ts does not.
 *
 * @example
 * ```ts
 * import { ModelStore, readImageFile } from "./mod.ts";
 *
 * const image = await readImageFile("tests/fixtures/images/rgb8.png", {
 *   orientation: "exif",
 * });
 * // new ModelStore() takes $ORIS_CACHE, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE;
 * // a local folder in the Hub's layout serves offline:
 * const store = new ModelStore({ localDir: "tests/fixtures/models" });
 * const config = await store.read("fixture/color-clip", "config.json");
 * console.log(image.width, image.height, config.length);
 * ```
 *
 * @module
 */

export { type FileContent, writeFileAtomic } from "./atomic_write.ts";
export * from "./image_codec.ts";
export * from "./image_file.ts";
export {
  checkCachedFile,
  describeFileState,
  listCachedModels,
  modelDir,
  resolveCacheDir,
  verifyModel,
} from "./model_cache.ts";
export type {
  CachedFileMeta,
  CachedFileState,
  CachedFileStatus,
  CachedModel,
  CachedModelFile,
  HashPolicy,
  VerifiedFile,
  VerifyReport,
} from "./model_cache.ts";
export * from "./model_download.ts";
export * from "./model_store.ts";
export type { ModelEnv } from "./model_env.ts";
export type { LockWait } from "./model_lock.ts";
export type {
  ExpectedFile,
  FetchLike,
  TransferProgress,
  TransferRetry,
} from "../pipeline/models/transfer.ts";
export * from "./refer_files.ts";
export * from "./jsonl_files.ts";
export * from "./image_files.ts";
export { openPredictions, PredictionsExistError } from "./prediction_files.ts";
export type { PredictionsFile } from "./prediction_files.ts";
export { ProgressReporter, stderrOutput, stdoutOutput } from "./progress.ts";
export type {
  ProgressOptions,
  ProgressOutput,
  ProgressSnapshot,
  ProgressUnit,
} from "./progress.ts";
export * from "./shard_files.ts";
