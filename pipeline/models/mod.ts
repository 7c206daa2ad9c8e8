/**
 * Models without the file system: the registry of supported CLIP and SAM
 * repositories, sources that read their files (the Hub by fetch, or memory),
 * ONNX Runtime sessions on wasm, webgpu or native, the ONNX reader and
 * writer, and graph rewrites used only once checked against the stock
 * model (`verified_rewrite.ts`).
 *
 * @module
 */

export * from "./registry.ts";
export * from "./hub.ts";
export * from "./source.ts";
export * from "./errors.ts";
export * from "./tensor.ts";
export * from "./inference.ts";
export * from "./session.ts";
export * from "./parked_session.ts";
export * from "./backend_choice.ts";
export * from "./threads.ts";
export * from "./device_lost.ts";
export * from "./transfer.ts";
export * from "./onnx/model.ts";
export * from "./verified_rewrite.ts";
export type { ProtoField } from "./onnx/protobuf.ts";
