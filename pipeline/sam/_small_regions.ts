/**
 * Clean-up of SAM masks: removes small disconnected islands, or fills small
 * holes, as the reference generator does when min_mask_region_area > 0.
 *
 * @module
 */

/** Result of {@linkcode removeSmallRegions}. */
export interface RegionCleanup {
  /** The cleaned mask (a new array when changed, else the input). */
  readonly mask: Uint8Array;
  /** Whether any pixel changed. */
  readonly changed: boolean;
}

/**
 * Labels the 8-connected components of the pixels equal to `value`;
 * returns per-pixel labels (0 = other value) and each label's size
 * (index 0 unused).
 */
export function connectedComponents(
  mask: Uint8Array,
  width: number,
  height: number,
  value: 0 | 1,
): { labels: Int32Array; sizes: number[] } {
  const labels = new Int32Array(width * height);
  const sizes = [0];
  const stack = new Int32Array(width * height);
  for (let start = 0; start < mask.length; start++) {
    if (labels[start] !== 0 || (mask[start] ? 1 : 0) !== value) continue;
    const label = sizes.length;
    const visit = (q: number, top: number): number => {
      if (labels[q] === 0 && (mask[q] ? 1 : 0) === value) {
        labels[q] = label;
        stack[top++] = q;
      }
      return top;
    };
    let top = 0, size = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const p = stack[--top];
      size++;
      const x = p % width;
      const up = p >= width, down = p + width < mask.length;
      if (x > 0) {
        top = visit(p - 1, top);
        if (up) top = visit(p - width - 1, top);
        if (down) top = visit(p + width - 1, top);
      }
      if (x < width - 1) {
        top = visit(p + 1, top);
        if (up) top = visit(p - width + 1, top);
        if (down) top = visit(p + width + 1, top);
      }
      if (up) top = visit(p - width, top);
      if (down) top = visit(p + width, top);
    }
    sizes.push(size);
  }
  return { labels, sizes };
}

/**
 * Removes islands (mode "islands": foreground components smaller than
 * `minArea`) or fills holes (mode "holes": background components smaller
 * than `minArea`), with 8-connectivity. When every island is small the largest
 * one is kept rather than erasing the mask. Background regions touching the
 * border count as holes too when they are small.
 *
 * @example
 * ```ts
 * const { mask } = removeSmallRegions(m, w, h, 100, "islands");
 * ```
 */
export function removeSmallRegions(
  mask: Uint8Array,
  width: number,
  height: number,
  minArea: number,
  mode: "holes" | "islands",
): RegionCleanup {
  const value = mode === "holes" ? 0 : 1;
  const { labels, sizes } = connectedComponents(mask, width, height, value);
  const small = new Uint8Array(sizes.length);
  let anySmall = false;
  for (let l = 1; l < sizes.length; l++) {
    if (sizes[l] < minArea) {
      small[l] = 1;
      anySmall = true;
    }
  }
  if (!anySmall) return { mask, changed: false };
  if (mode === "islands" && small.slice(1).every((s) => s === 1)) {
    // Keep the largest island rather than erase the mask.
    let best = 1;
    for (let l = 2; l < sizes.length; l++) if (sizes[l] > sizes[best]) best = l;
    small[best] = 0;
    if (sizes.length === 2) return { mask, changed: false };
  }
  const out = mask.slice();
  const fill = mode === "holes" ? 1 : 0;
  for (let i = 0; i < out.length; i++) {
    if (labels[i] !== 0 && small[labels[i]]) out[i] = fill;
  }
  return { mask: out, changed: true };
}
