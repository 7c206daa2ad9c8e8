/**
 * The web page's files: `GET /` answers `index.html` of the folder, and
 * `GET /<file>` the file under it, never one outside it.
 *
 * @module
 */

import { extname, join, resolve, sep } from "node:path";

/** Content types by file extension; others are served as bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
};

/** The content type of a file by its extension. */
export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ??
    "application/octet-stream";
}

/**
 * The file under `root` that a URL path names, or undefined when the path
 * is not a plain relative path inside it (`..`, a backslash, a NUL, an
 * encoded slash, a hidden name). `/` names `index.html`.
 *
 * @example
 * ```ts
 * staticPath("/srv/web", "/app.js"); // "/srv/web/app.js"
 * staticPath("/srv/web", "/../secret"); // undefined
 * ```
 */
export function staticPath(root: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (/[\\\0]/.test(path) || /%2f/i.test(urlPath)) return undefined;
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.some((p) => p === "." || p === ".." || p.startsWith("."))) {
    return undefined;
  }
  if (parts.length === 0) parts.push("index.html");
  const base = resolve(root);
  const file = join(base, ...parts);
  return file.startsWith(base + sep) ? file : undefined;
}

/**
 * Answers a GET or HEAD of `urlPath` from the folder `root`; undefined when
 * no such file is there.
 */
export async function serveStatic(
  root: string,
  urlPath: string,
  head = false,
): Promise<Response | undefined> {
  const file = staticPath(root, urlPath);
  if (!file) return undefined;
  try {
    const info = await Deno.stat(file);
    if (!info.isFile) return undefined;
    const headers = {
      "content-type": contentType(file),
      "content-length": String(info.size),
      "x-content-type-options": "nosniff",
    };
    if (head) return new Response(null, { headers });
    return new Response(await Deno.readFile(file), { headers });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** The page `/` answers when the folder has no index.html: the API's routes. */
export const API_ROUTES_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>oris</title></head>
<body>
<h1>oris: referring image segmentation</h1>
<ul>
<li><code>POST /api/segment</code>: multipart form with an <code>image</code> file and one or more <code>text</code> fields
(optional <code>spatial</code>, <code>topK</code>, <code>alpha</code>, <code>beta</code>), e.g.
<pre>curl -F image=@photo.jpg -F text="the dog on the left" http://127.0.0.1:8000/api/segment</pre></li>
<li><code>GET /api/health</code>: loading, ready or failed</li>
<li><code>GET /api/info</code>: models, backend, device, settings and limits</li>
</ul>
</body>
</html>
`;
