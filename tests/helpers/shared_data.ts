/**
 * Access to the reference data in ../shared/data, which a fresh clone does
 * not have: tests skip with a notice where it is absent.
 *
 * @module
 */

/** Folder of the shared reference data, beside the repository. */
export const SHARED_DATA = new URL("../../../shared/data/", import.meta.url);

/** Reads a JSON file from the shared data, or returns null (with a notice) when absent. */
export async function readSharedJson<T>(name: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(new URL(name, SHARED_DATA))) as T;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      console.warn(
        `skipping: ../shared/data/${name} is absent (it exists only beside the development checkout)`,
      );
      return null;
    }
    throw e;
  }
}

/** One expression of the RefCOCOg val file. */
export interface RefcocogExpression {
  idx: number;
  image_id: number;
  object_id: number;
  sentence: string;
  bbox_xywh: [number, number, number, number];
  parse: string[][];
}

/** The RefCOCOg (UMD) val file. */
export interface RefcocogVal {
  images: {
    image_id: number;
    width: number;
    height: number;
    objects: {
      object_id: number;
      bbox_xywh: [number, number, number, number];
    }[];
  }[];
  expressions: RefcocogExpression[];
}
