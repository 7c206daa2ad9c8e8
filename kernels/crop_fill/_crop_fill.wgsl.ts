/**
 * WGSL of the crop & fill kernel. One invocation per output pixel of one
 * proposal's view: it runs the separable antialiased triangle filter
 * directly (each source row of its vertical taps is filtered horizontally,
 * then the rows are blended, as the CPU twin orders the sums), reading the
 * image pixel where the mask is set and the fill colour elsewhere, and
 * writes the three normalised channels.
 *
 * Bindings: 0 image (RGBA, one u32 per pixel), 1 masks (the bytes of each
 * proposal's source span, packed), 2 proposals (8 u32 each, see
 * `Proposal`), 3 taps (per proposal: x starts, x counts, x weights, y
 * starts, y counts, y weights; weights as f32 bits), 4 views (N x 3 x size
 * x size f32), 5 uniform globals. `rgb`, `inside` and `tap_words` come
 * from views.wgsl.ts.
 *
 * @module
 */

import { VIEWS_WGSL } from "../_views.wgsl.ts";

/** The kernel's source; entry point `crop_fill`. */
export const CROP_FILL_WGSL = /* wgsl */ `
struct Globals {
  width: u32,   // image width
  size: u32,    // output side
  count: u32,   // proposals in this chunk
  pad: u32,
  fill: vec4f,  // fill colour, 0..255
  scale: vec4f, // 1 / (255 * std)
  offset: vec4f // mean / std
}

struct Proposal {
  mask: u32,      // byte offset of the proposal's mask span in masks
  span_x: u32,    // first source column of the span
  span_y: u32,    // first source row of the span
  span_w: u32,    // span width (bytes per span row)
  taps: u32,      // word offset of the proposal's taps
  max_x: u32,     // weight stride of the x taps
  max_y: u32,     // weight stride of the y taps
  empty: u32      // 1: zero-area box, the view is the fill colour
}

@group(0) @binding(0) var<storage, read> image: array<u32>;
@group(0) @binding(1) var<storage, read> masks: array<u32>;
@group(0) @binding(2) var<storage, read> proposals: array<Proposal>;
@group(0) @binding(3) var<storage, read> taps: array<u32>;
@group(0) @binding(4) var<storage, read_write> views: array<f32>;
@group(0) @binding(5) var<uniform> g: Globals;

${VIEWS_WGSL}

@compute @workgroup_size(16, 16, 1)
fn crop_fill(@builtin(global_invocation_id) gid: vec3u) {
  let ox = gid.x;
  let oy = gid.y;
  let n = gid.z;
  let size = g.size;
  if (ox >= size || oy >= size || n >= g.count) {
    return;
  }
  let p = proposals[n];
  let fill = g.fill.xyz;
  var v = fill;
  if (p.empty == 0u) {
    let t = tap_words(p.taps, size, p.max_x, p.max_y, ox, oy);
    let x_start = taps[t.x_start];
    let x_count = taps[t.x_count];
    let y_start = taps[t.y_start];
    let y_count = taps[t.y_count];
    var acc = vec3f(0.0);
    for (var ky = 0u; ky < y_count; ky++) {
      let y = y_start + ky;
      let wy = bitcast<f32>(taps[t.y_weights + ky]);
      // u32 arithmetic wraps, so the row base may wrap below zero; adding x brings it back.
      let mask_row = p.mask + (y - p.span_y) * p.span_w - p.span_x;
      let image_row = y * g.width;
      var row = vec3f(0.0);
      for (var kx = 0u; kx < x_count; kx++) {
        let x = x_start + kx;
        let w = bitcast<f32>(taps[t.x_weights + kx]);
        var px = fill;
        if (inside(mask_row + x)) {
          px = rgb(image_row + x);
        }
        row += px * w;
      }
      acc += row * wy;
    }
    v = acc;
  }
  let plane = size * size;
  let o = n * 3u * plane + oy * size + ox;
  let r = v * g.scale.xyz - g.offset.xyz;
  views[o] = r.x;
  views[o + plane] = r.y;
  views[o + 2u * plane] = r.z;
}
`;
