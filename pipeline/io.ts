/**
 * The edge of oris: reading and writing image files and the on-disk model
 * cache. Needs the file system (and network for downloads); the core in
 * mod.ts does not.
 *
 * @example
 * ```ts
 * import { ModelStore, readImageFile } from "./pipeline/io.ts";
 *
 * const image = await readImageFile("photo.jpg", { orientation: "exif" });
 * const store = new ModelStore(); // $ORIS_CACHE, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE
 * ```
 *
 * @module
 */

export * from "./image/codec.ts";
export * from "./image/file.ts";
export * from "./models/cache.ts";
export * from "./models/download.ts";
export * from "./models/store.ts";
export type { ModelEnv } from "./models/env.ts";
export type { LockWait } from "./models/lock.ts";
export type {
  ExpectedFile,
  FetchLike,
  TransferProgress,
  TransferRetry,
} from "./models/transfer.ts";
export * from "./datasets/refer_files.ts";
export * from "./datasets/jsonl_files.ts";
export * from "./datasets/image_files.ts";
export * from "./eval/prediction_files.ts";
