/**
 * WGSL of the blur-outside kernel, four entry points run in order in one
 * submit:
 * - `sharp`: S, the image resampled to size x size (antialiased triangle
 *   filter, taps from the host), planar RGB in 0..255;
 * - `blur_rows` then `blur_cols`: B, S blurred by the separable Gaussian
 *   (edges clamped); `blur_cols` also writes the normalised planes
 *   base = norm(B) and diff = norm(S) - norm(B) (once per image);
 * - `compose`: one invocation per output pixel of one proposal's view:
 *   base + A * diff, where A is the mask's coverage of the pixel's
 *   footprint, computed only inside the proposal's region (the output
 *   pixels its box touches), as the CPU twin does.
 *
 * Bindings: 0 image (RGBA u32 per pixel), 1 image taps, 2 sharp (3 planes),
 * 3 row-blurred (3 planes), 4 base and diff (6 planes), 5 Gaussian
 * weights, 6 uniform globals, 7 masks (packed spans), 8 proposals
 * (8 u32 each), 9 coverage taps, 10 views. `rgb`, `inside` and
 * `tap_words` come from views.wgsl.ts.
 *
 * @module
 */

import { VIEWS_WGSL } from "../_views.wgsl.ts";

/** The kernel's source; entry points `sharp`, `blur_rows`, `blur_cols`, `compose`. */
export const BLUR_OUTSIDE_WGSL = /* wgsl */ `
struct Globals {
  width: u32,      // image width
  size: u32,       // output side
  count: u32,      // proposals in this chunk
  radius: u32,     // Gaussian radius
  img_max_x: u32,  // weight stride of the image's x taps
  img_max_y: u32,  // weight stride of the image's y taps
  cov_max_x: u32,  // weight stride of the coverage x taps
  cov_max_y: u32,  // weight stride of the coverage y taps
  mean: vec4f,     // 255 * mean
  scale: vec4f     // 1 / (255 * std)
}

struct Proposal {
  mask: u32,    // byte offset of the mask span in masks
  span_x: u32,
  span_y: u32,
  span_w: u32,
  x0: u32,      // output region [x0, x1) x [y0, y1)
  x1: u32,
  y0: u32,
  y1: u32
}

@group(0) @binding(0) var<storage, read> image: array<u32>;
@group(0) @binding(1) var<storage, read> image_taps: array<u32>;
@group(0) @binding(2) var<storage, read_write> sharp_planes: array<f32>;
@group(0) @binding(3) var<storage, read_write> row_blurred: array<f32>;
@group(0) @binding(4) var<storage, read_write> base_diff: array<f32>;
@group(0) @binding(5) var<storage, read> gauss: array<f32>;
@group(0) @binding(6) var<uniform> g: Globals;
@group(0) @binding(7) var<storage, read> masks: array<u32>;
@group(0) @binding(8) var<storage, read> proposals: array<Proposal>;
@group(0) @binding(9) var<storage, read> cover_taps: array<u32>;
@group(0) @binding(10) var<storage, read_write> views: array<f32>;

${VIEWS_WGSL}

@compute @workgroup_size(16, 16, 1)
fn sharp(@builtin(global_invocation_id) gid: vec3u) {
  let ox = gid.x;
  let oy = gid.y;
  let size = g.size;
  if (ox >= size || oy >= size) {
    return;
  }
  let t = tap_words(0u, size, g.img_max_x, g.img_max_y, ox, oy);
  let x_start = image_taps[t.x_start];
  let x_count = image_taps[t.x_count];
  let y_start = image_taps[t.y_start];
  let y_count = image_taps[t.y_count];
  var acc = vec3f(0.0);
  for (var ky = 0u; ky < y_count; ky++) {
    let row_base = (y_start + ky) * g.width;
    var row = vec3f(0.0);
    for (var kx = 0u; kx < x_count; kx++) {
      row += rgb(row_base + x_start + kx) * bitcast<f32>(image_taps[t.x_weights + kx]);
    }
    acc += row * bitcast<f32>(image_taps[t.y_weights + ky]);
  }
  let plane = size * size;
  let i = oy * size + ox;
  sharp_planes[i] = acc.x;
  sharp_planes[plane + i] = acc.y;
  sharp_planes[2u * plane + i] = acc.z;
}

@compute @workgroup_size(16, 16, 1)
fn blur_rows(@builtin(global_invocation_id) gid: vec3u) {
  let x = gid.x;
  let y = gid.y;
  let c = gid.z;
  let size = g.size;
  if (x >= size || y >= size) {
    return;
  }
  let row = c * size * size + y * size;
  let r = i32(g.radius);
  var v = 0.0;
  for (var k = -r; k <= r; k++) {
    let xx = u32(clamp(i32(x) + k, 0, i32(size) - 1));
    v += sharp_planes[row + xx] * gauss[u32(k + r)];
  }
  row_blurred[row + x] = v;
}

@compute @workgroup_size(16, 16, 1)
fn blur_cols(@builtin(global_invocation_id) gid: vec3u) {
  let x = gid.x;
  let y = gid.y;
  let c = gid.z;
  let size = g.size;
  if (x >= size || y >= size) {
    return;
  }
  let base = c * size * size;
  let r = i32(g.radius);
  var b = 0.0;
  for (var k = -r; k <= r; k++) {
    let yy = u32(clamp(i32(y) + k, 0, i32(size) - 1));
    b += row_blurred[base + yy * size + x] * gauss[u32(k + r)];
  }
  let i = base + y * size + x;
  let s = g.scale[c];
  base_diff[i] = (b - g.mean[c]) * s;
  base_diff[3u * size * size + i] = (sharp_planes[i] - b) * s;
}

@compute @workgroup_size(16, 16, 1)
fn compose(@builtin(global_invocation_id) gid: vec3u) {
  let ox = gid.x;
  let oy = gid.y;
  let n = gid.z;
  let size = g.size;
  if (ox >= size || oy >= size || n >= g.count) {
    return;
  }
  let plane = size * size;
  let i = oy * size + ox;
  var v = vec3f(base_diff[i], base_diff[plane + i], base_diff[2u * plane + i]);
  let p = proposals[n];
  if (ox >= p.x0 && ox < p.x1 && oy >= p.y0 && oy < p.y1) {
    let t = tap_words(0u, size, g.cov_max_x, g.cov_max_y, ox, oy);
    let x_start = cover_taps[t.x_start];
    let x_count = cover_taps[t.x_count];
    let y_start = cover_taps[t.y_start];
    let y_count = cover_taps[t.y_count];
    var coverage = 0.0;
    for (var ky = 0u; ky < y_count; ky++) {
      let y = y_start + ky;
      let mask_row = p.mask + (y - p.span_y) * p.span_w - p.span_x;
      var row = 0.0;
      for (var kx = 0u; kx < x_count; kx++) {
        if (inside(mask_row + x_start + kx)) {
          row += bitcast<f32>(cover_taps[t.x_weights + kx]);
        }
      }
      coverage += row * bitcast<f32>(cover_taps[t.y_weights + ky]);
    }
    let d = 3u * plane + i;
    v += coverage * vec3f(base_diff[d], base_diff[d + plane], base_diff[d + 2u * plane]);
  }
  let o = n * 3u * plane + i;
  views[o] = v.x;
  views[o + plane] = v.y;
  views[o + 2u * plane] = v.z;
}
`;
