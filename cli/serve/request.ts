/**
 * Reading a `POST /api/segment` request: its multipart form, checked
 * against the server's limits, into the image's bytes, the sentences and
 * the per-request settings. Every refusal is an {@linkcode HttpError}
 * whose status and message go back to the client.
 *
 * @module
 */

import {
  MAX_IMAGE_BYTES,
  MAX_IMAGE_PIXELS,
} from "../../pipeline/image/probe.ts";
import { checkSentences } from "../../pipeline/segmenter.ts";
import { validateSettings } from "../../pipeline/settings.ts";
import { SettingError } from "../../pipeline/setting_error.ts";
import type { SpatialMode } from "../../pipeline/stages/select.ts";

/** An error answered with `status` and `{"error": message}`. */
export class HttpError extends Error {
  /** Creates the error answered with `status`. */
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "HttpError";
  }
}

/** What the server accepts in one request. */
export interface RequestLimits {
  /** Bytes of the image file. */
  readonly maxImageBytes: number;
  /** Pixels of the decoded image. */
  readonly maxImagePixels: number;
  /** Sentences per request. */
  readonly maxSentences: number;
  /** Characters per sentence (CLIP reads at most 77 tokens; longer ones are cut). */
  readonly maxSentenceLength: number;
}

/** The server's default limits: the command line's image limits, 16 sentences of 1000 characters. */
export const DEFAULT_LIMITS: Readonly<RequestLimits> = Object.freeze({
  maxImageBytes: MAX_IMAGE_BYTES,
  maxImagePixels: MAX_IMAGE_PIXELS,
  maxSentences: 16,
  maxSentenceLength: 1000,
});

/** Room for the form's other fields and boundaries beyond the image's bytes. */
const FORM_OVERHEAD = 1_000_000;

/** The per-request settings a form may override. */
export interface SettingOverrides {
  spatial?: SpatialMode;
  topK?: number;
  alpha?: number;
  beta?: number;
}

/** A checked segmentation request. */
export interface SegmentRequest {
  /** The image file's bytes. */
  readonly image: Uint8Array;
  /** The upload's file name ("image" when it has none). */
  readonly imageName: string;
  /** The sentences, trimmed. */
  readonly sentences: string[];
  /** The settings the form overrides. */
  readonly overrides: SettingOverrides;
}

/** The form field of each setting override. */
const OVERRIDE_FIELDS = ["spatial", "topK", "alpha", "beta"] as const;

/**
 * Reads the body up to `limit` bytes; refuses a longer one with 413 (the
 * declared length is checked first, so a large upload is refused unread).
 */
export async function readBody(
  request: Request,
  limit: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () =>
    new HttpError(
      413,
      `The request is too large: the limit is ${limit} bytes (an image of at most ${
        limit - FORM_OVERHEAD
      } bytes and the form's fields).`,
    );
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body) {
    total += chunk.byteLength;
    if (total > limit) throw tooLarge();
    chunks.push(chunk);
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  return body;
}

/** Parses a number field: undefined when absent, 400 when not a number. */
function numberField(name: string, value: string | undefined) {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (value.trim() === "" || !Number.isFinite(v)) {
    throw new HttpError(
      400,
      `${name} must be a number, not ${JSON.stringify(value)}.`,
    );
  }
  return v;
}

/** The setting overrides of a form, checked by the library's one check. */
export function settingOverrides(
  fields: Partial<Record<(typeof OVERRIDE_FIELDS)[number], string>>,
): SettingOverrides {
  const overrides: SettingOverrides = {};
  if (fields.spatial !== undefined) {
    overrides.spatial = fields.spatial as SpatialMode;
  }
  const topK = numberField("topK", fields.topK);
  const alpha = numberField("alpha", fields.alpha);
  const beta = numberField("beta", fields.beta);
  if (topK !== undefined) overrides.topK = topK;
  if (alpha !== undefined) overrides.alpha = alpha;
  if (beta !== undefined) overrides.beta = beta;
  try {
    return validateSettings(overrides);
  } catch (e) {
    if (e instanceof SettingError) {
      throw new HttpError(
        400,
        `${e.setting} must be ${e.expected}, not ${JSON.stringify(e.value)}.`,
      );
    }
    throw e;
  }
}

/** Checks the sentences' count and lengths; returns them trimmed. */
export function checkRequestSentences(
  texts: readonly string[],
  limits: RequestLimits,
): string[] {
  if (texts.length === 0) {
    throw new HttpError(
      400,
      'No text given: add a "text" field, e.g. text="the dog on the left".',
    );
  }
  if (texts.length > limits.maxSentences) {
    throw new HttpError(
      400,
      `Too many texts: ${texts.length}, the limit is ${limits.maxSentences} per request.`,
    );
  }
  texts.forEach((t, i) => {
    if (t.length > limits.maxSentenceLength) {
      throw new HttpError(
        400,
        `Text ${
          i + 1
        } is ${t.length} characters long; the limit is ${limits.maxSentenceLength} (CLIP reads at most 77 tokens).`,
      );
    }
  });
  try {
    return checkSentences(texts);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
}

/**
 * Reads and checks a segmentation request: a multipart form with an `image`
 * file, one or more `text` fields, and optional `spatial`, `topK`, `alpha`
 * and `beta`. Throws {@linkcode HttpError}: 400 for a missing or bad field,
 * 413 for a body or image over the limit.
 */
export async function readSegmentRequest(
  request: Request,
  limits: RequestLimits,
): Promise<SegmentRequest> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) {
    throw new HttpError(
      400,
      'Send a multipart form (curl -F image=@photo.jpg -F text="the dog on the left").',
    );
  }
  const body = await readBody(request, limits.maxImageBytes + FORM_OVERHEAD);
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": type } })
      .formData();
  } catch {
    throw new HttpError(400, "The multipart form could not be read.");
  }
  const image = form.get("image");
  if (!(image instanceof File)) {
    throw new HttpError(
      400,
      'No image given: add an "image" file field (curl -F image=@photo.jpg).',
    );
  }
  if (image.size > limits.maxImageBytes) {
    throw new HttpError(
      413,
      `The image is too large: ${image.size} bytes, the limit is ${limits.maxImageBytes}.`,
    );
  }
  const texts = form.getAll("text").filter((t) => typeof t === "string");
  const sentences = checkRequestSentences(texts, limits);
  const field = (name: string) => {
    const v = form.get(name);
    return typeof v === "string" ? v : undefined;
  };
  const overrides = settingOverrides({
    spatial: field("spatial"),
    topK: field("topK"),
    alpha: field("alpha"),
    beta: field("beta"),
  });
  return {
    image: new Uint8Array(await image.arrayBuffer()),
    imageName: image.name || "image",
    sentences,
    overrides,
  };
}
