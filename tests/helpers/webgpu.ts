/**
 * The WebGPU adapter of the tests that need one: where there is none (or
 * none with the feature asked for), such tests skip with a notice, except
 * in CI, which installs lavapipe and must not skip them silently.
 *
 * @module
 */

/**
 * The adapter, or null after a notice that `what` is skipped; throws
 * where the CI environment variable is set and there is no adapter (with
 * `feature`).
 */
export async function testAdapter(
  what: string,
  feature?: GPUFeatureName,
): Promise<GPUAdapter | null> {
  const adapter = await navigator.gpu?.requestAdapter().catch(() => null);
  if (adapter && (!feature || adapter.features.has(feature))) return adapter;
  const missing = `a WebGPU adapter${feature ? ` with ${feature}` : ""}`;
  if (Deno.env.get("CI")) {
    throw new Error(`CI must provide ${missing} (lavapipe) for ${what}`);
  }
  console.warn(`skipping ${what}: no ${missing} here`);
  return null;
}
