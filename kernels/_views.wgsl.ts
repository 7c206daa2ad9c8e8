/**
 * WGSL shared by the two kernels that build CLIP's views of proposals
 * (crop & fill, blur outside), composed into their sources after their
 * bindings:
 * - `rgb(pixel)`: a pixel of the binding `image` (RGBA, one u32 per
 *   pixel) as RGB floats in 0..255;
 * - `inside(byte_index)`: whether a byte of the binding `masks` (the
 *   proposals' mask spans, packed) is set;
 * - `tap_words(...)`: where an output pixel's taps lie in an array packed
 *   by views_gpu.ts's `packTaps`.
 *
 * @module
 */

/** The helpers' source; it reads the bindings `image` and `masks`. */
export const VIEWS_WGSL = /* wgsl */ `
fn rgb(pixel: u32) -> vec3f {
  let v = image[pixel];
  return vec3f(f32(v & 0xffu), f32((v >> 8u) & 0xffu), f32((v >> 16u) & 0xffu));
}

fn inside(byte_index: u32) -> bool {
  return ((masks[byte_index >> 2u] >> ((byte_index & 3u) * 8u)) & 0xffu) != 0u;
}

// Words of one output pixel's taps in a packed taps array.
struct TapWords {
  x_start: u32,   // first source column
  x_count: u32,   // number of x taps
  x_weights: u32, // first x weight (f32 bits), then one word per tap
  y_start: u32,   // first source row
  y_count: u32,   // number of y taps
  y_weights: u32  // first y weight
}

// The words of output pixel (ox, oy)'s taps in the group that starts at
// word base: x starts, x counts, x weights (max_x per output pixel), then
// the same for y, each axis size output pixels long.
fn tap_words(base: u32, size: u32, max_x: u32, max_y: u32, ox: u32, oy: u32) -> TapWords {
  let yb = base + 2u * size + size * max_x;
  return TapWords(
    base + ox,
    base + size + ox,
    base + 2u * size + ox * max_x,
    yb + oy,
    yb + size + oy,
    yb + 2u * size + oy * max_y
  );
}
`;
