/**
 * A session that can hand its runtime's memory back between uses: parked,
 * it releases the runtime session (with its memory arena) and opens it
 * again on the next run. SAM's encoder is the case in point: its working
 * memory (about 2.4 GB for SlimSAM at 1024 x 1024 on onnxruntime's CPU
 * arena) is needed once per image, and an arena never shrinks on its own.
 *
 * @module
 */

import type { BackendName, InferenceSession, ValueInfo } from "./inference.ts";
import type { DeviceTensor, Tensor } from "./tensor.ts";

/** An {@linkcode InferenceSession} that can be parked between uses. */
export interface ParkableSession extends InferenceSession {
  /**
   * Releases the runtime session once no run is under way (at once when
   * idle); the next run opens it again.
   */
  park(): Promise<void>;
  /** Whether the runtime session is released until the next run. */
  readonly parked: boolean;
}

/** Whether `session` can be parked (see {@linkcode ParkedSession}). */
export function isParkable(
  session: InferenceSession,
): session is ParkableSession {
  return typeof (session as Partial<ParkableSession>).park === "function";
}

/**
 * Wraps an open session; `reopen` opens the same model again after a park
 * (e.g. from bytes the caller keeps). Inputs, outputs and label are the
 * first session's.
 *
 * @example
 * ```ts
 * import { createSession } from "./session.ts";
 * import { DEMO_SAM, demoModelFiles } from "../demo/models.ts";
 *
 * const bytes = demoModelFiles().get(`${DEMO_SAM}/onnx/vision_encoder.onnx`)!;
 * const encoder = new ParkedSession(
 *   await createSession(bytes),
 *   () => createSession(bytes),
 * );
 * await encoder.park();
 * encoder.parked; // true: the next run opens the model again
 * await encoder.release();
 * ```
 */
export class ParkedSession implements ParkableSession {
  readonly backend: BackendName;
  readonly label: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly gpuDevice?: GPUDevice;
  #session: InferenceSession | undefined;
  #opening: Promise<InferenceSession> | undefined;
  #reopen: () => Promise<InferenceSession>;
  #running = 0;
  #parkWhenIdle = false;
  #released = false;

  /** Wraps `session`; `reopen` opens the model again after a park. */
  constructor(
    session: InferenceSession,
    reopen: () => Promise<InferenceSession>,
  ) {
    this.#session = session;
    this.#reopen = reopen;
    this.backend = session.backend;
    this.label = session.label;
    this.inputs = session.inputs;
    this.outputs = session.outputs;
    this.gpuDevice = session.gpuDevice;
  }

  get parked(): boolean {
    return this.#session === undefined;
  }

  async run(
    feeds: Record<string, Tensor | DeviceTensor>,
    outputNames?: readonly string[],
  ): Promise<Record<string, Tensor>> {
    if (this.#released) {
      throw new Error(`${this.label}: the session was released.`);
    }
    this.#running++;
    try {
      const session = await this.#open();
      return await session.run(feeds, outputNames);
    } finally {
      this.#running--;
      if (this.#running === 0 && this.#parkWhenIdle) await this.#letGo();
    }
  }

  async park(): Promise<void> {
    this.#parkWhenIdle = true;
    if (this.#running === 0) await this.#letGo();
  }

  async release(): Promise<void> {
    this.#released = true;
    await this.#letGo();
  }

  async #open(): Promise<InferenceSession> {
    this.#parkWhenIdle = false;
    if (this.#session) return this.#session;
    this.#opening ??= this.#reopen().finally(() => this.#opening = undefined);
    this.#session = await this.#opening;
    return this.#session;
  }

  async #letGo(): Promise<void> {
    this.#parkWhenIdle = false;
    const session = this.#session;
    this.#session = undefined;
    await session?.release();
  }
}
