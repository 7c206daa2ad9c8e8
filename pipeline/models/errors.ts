/**
 * Errors raised while resolving, downloading and reading models. Each names
 * the model file concerned and says what to do about it.
 *
 * @module
 */

/** Where a model file lives on the hub. */
export interface ModelFileRef {
  /** Hub repository id, `owner/name`. */
  repo: string;
  /** Path inside the repository, e.g. `onnx/vision_model.onnx`. */
  path: string;
  /** Git revision (branch, tag or commit). */
  revision?: string;
}

/**
 * What fetching a model again takes, for an error that asks for it: a
 * front end words it as its own command (the command line's
 * `deno task models pull`).
 */
export interface ModelFetchRef {
  /** Hub repository id, `owner/name`. */
  repo: string;
  /** Model kind, for a repository oris does not know. */
  kind?: string;
  /** ONNX variant. */
  variant?: string;
  /** Revision, when one was asked for. */
  revision?: string;
  /** The folder to fill, when it is not the cache the environment names. */
  cacheDir?: string;
}

/** Base class of every model error; carries the file it concerns, if any. */
export class ModelError extends Error {
  /** The file concerned, when the error is about one file. */
  readonly file?: ModelFileRef;

  /** Creates an error about `file` (optional). */
  constructor(message: string, file?: ModelFileRef, options?: ErrorOptions) {
    super(message, options);
    this.name = "ModelError";
    this.file = file;
  }
}

/** A model id that is not of the form `owner/name`. */
export class InvalidModelIdError extends ModelError {
  /** Creates the error for the rejected `id`. */
  constructor(message: string) {
    super(message);
    this.name = "InvalidModelIdError";
  }
}

/** The hub (HTTP 404) or a local models folder has no such repo, revision or file. */
export class ModelNotFoundError extends ModelError {
  /** What fetching the model takes, when fetching it would help. */
  readonly fetch?: ModelFetchRef;

  /** Creates the error. */
  constructor(
    message: string,
    file?: ModelFileRef,
    options?: ErrorOptions & { fetch?: ModelFetchRef },
  ) {
    super(message, file, options);
    this.name = "ModelNotFoundError";
    this.fetch = options?.fetch;
  }
}

/** The hub refused access (HTTP 401/403): a private or gated repository. */
export class ModelAccessError extends ModelError {
  /** HTTP status of the refusal. */
  readonly status: number;

  /** Creates the error for HTTP `status`. */
  constructor(message: string, status: number, file?: ModelFileRef) {
    super(message, file);
    this.name = "ModelAccessError";
    this.status = status;
  }
}

/** A file's size or SHA-256 differs from what the hub announced or the cache recorded. */
export class ModelIntegrityError extends ModelError {
  /** Creates the error. */
  constructor(message: string, file?: ModelFileRef) {
    super(message, file);
    this.name = "ModelIntegrityError";
  }
}

/** Offline mode, and the cache lacks a file (or holds a damaged one). */
export class ModelOfflineError extends ModelError {
  /** Every file that is missing. */
  readonly missing: readonly ModelFileRef[];

  /** What fetching the model takes (once online). */
  readonly fetch?: ModelFetchRef;

  /** Creates the error for the `missing` files. */
  constructor(
    message: string,
    missing: readonly ModelFileRef[],
    fetch?: ModelFetchRef,
  ) {
    super(message, missing[0]);
    this.name = "ModelOfflineError";
    this.missing = missing;
    this.fetch = fetch;
  }
}

/** A network failure or an unexpected HTTP answer while downloading. */
export class ModelDownloadError extends ModelError {
  /** HTTP status, when the server answered. */
  readonly status?: number;

  /** Creates the error. */
  constructor(
    message: string,
    file?: ModelFileRef,
    options?: ErrorOptions & { status?: number },
  ) {
    super(message, file, options);
    this.name = "ModelDownloadError";
    this.status = options?.status;
  }
}

/**
 * Why a server's answer was refused as a model file (see
 * {@linkcode ModelResponseError}): `html`, an HTML page (a proxy's, a captive
 * portal's or a login page); `not-hub`, bytes without the headers the hub
 * sends with every file; `too-large`, over the size limit of its kind;
 * `invalid-json`, a `.json` file that does not parse.
 */
export type ModelResponseProblem =
  | "html"
  | "not-hub"
  | "too-large"
  | "invalid-json";

/**
 * The server answered, but not with the file the hub promises: nothing of
 * it is kept. A {@linkcode ModelIntegrityError}, so that callers that drop
 * a corrupt download drop this one too.
 */
export class ModelResponseError extends ModelIntegrityError {
  /** What was wrong with the answer. */
  readonly problem: ModelResponseProblem;

  /** Creates the error. */
  constructor(
    message: string,
    problem: ModelResponseProblem,
    file?: ModelFileRef,
  ) {
    super(message, file);
    this.name = "ModelResponseError";
    this.problem = problem;
  }
}

/**
 * The endpoint cannot be reached as given: not a URL, a scheme other than
 * http(s), a host that does not resolve, a redirect loop. Retrying cannot
 * help, so it is raised at once.
 */
export class ModelEndpointError extends ModelDownloadError {
  /** Creates the error. */
  constructor(message: string, file?: ModelFileRef, options?: ErrorOptions) {
    super(message, file, options);
    this.name = "ModelEndpointError";
  }
}
