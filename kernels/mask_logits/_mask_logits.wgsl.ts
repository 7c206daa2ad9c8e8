/**
 * WGSL of the mask-logits kernel. Workgroup (x, m) walks the output words
 * of mask m (4 pixels, one byte each, per u32) with a grid stride: each
 * pixel's logit is read from three rows and three columns of the
 * low-resolution grid with the axes' taps (the reference's two bilinear
 * steps composed; horizontal then vertical, as the CPU twin orders it),
 * compared with the threshold and the two stability thresholds, and
 * packed. Counts and box bounds are reduced in workgroup memory, then
 * added to the mask's statistics with one set of global atomics per
 * workgroup.
 *
 * Bindings: 0 logits (chunk x lowH x lowW f32), 1 axis taps (x: i0, i1,
 * i2, w0 bits, w1 bits, w2 bits, each `width` long; then y: the same, each
 * `height` long),
 * 2 masks (chunk x planeWords u32), 3 statistics (chunk x 8 atomic u32:
 * area, above hi, above lo, min x, min y, max x, max y, unused),
 * 4 uniform globals.
 *
 * @module
 */

/** The kernel's source; entry point `decode`. */
export const MASK_LOGITS_WGSL = /* wgsl */ `
struct Globals {
  width: u32,
  height: u32,
  low_w: u32,
  low_plane: u32,    // lowW * lowH
  plane_words: u32,  // u32 words per output mask: ceil(width * height / 4)
  groups_x: u32,     // workgroups along x (the grid stride)
  pad0: u32,
  pad1: u32,
  threshold: f32,
  hi: f32,           // threshold + offset
  lo: f32,           // threshold - offset
  pad2: f32
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> axis: array<u32>;
@group(0) @binding(2) var<storage, read_write> masks: array<u32>;
@group(0) @binding(3) var<storage, read_write> stats: array<atomic<u32>>;
@group(0) @binding(4) var<uniform> g: Globals;

var<workgroup> wg: array<atomic<u32>, 7>;

@compute @workgroup_size(256, 1, 1)
fn decode(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3u,
) {
  let m = wid.y;
  if (lid < 7u) {
    atomicStore(&wg[lid], select(0u, 0xffffffffu, lid == 3u || lid == 4u));
  }
  workgroupBarrier();

  let width = g.width;
  let pixels = width * g.height;
  let lbase = m * g.low_plane;
  let yo = 6u * width;
  let h = g.height;
  var area = 0u;
  var n_hi = 0u;
  var n_lo = 0u;
  var min_x = 0xffffffffu;
  var min_y = 0xffffffffu;
  var max_x = 0u;
  var max_y = 0u;
  for (var word = wid.x * 256u + lid; word < g.plane_words; word += g.groups_x * 256u) {
    var bits = 0u;
    var p = word * 4u;
    var y = p / width;
    var x = p - y * width;
    for (var b = 0u; b < 4u; b++) {
      if (p < pixels) {
        let x0 = axis[x];
        let x1 = axis[width + x];
        let x2 = axis[2u * width + x];
        let wx0 = bitcast<f32>(axis[3u * width + x]);
        let wx1 = bitcast<f32>(axis[4u * width + x]);
        let wx2 = bitcast<f32>(axis[5u * width + x]);
        var v = 0.0;
        for (var k = 0u; k < 3u; k++) {
          let row = lbase + axis[yo + k * h + y] * g.low_w;
          let wy = bitcast<f32>(axis[yo + (3u + k) * h + y]);
          let across = wx0 * logits[row + x0] + wx1 * logits[row + x1] +
            wx2 * logits[row + x2];
          v += wy * across;
        }
        if (v > g.lo) {
          n_lo++;
          if (v > g.hi) {
            n_hi++;
          }
          if (v > g.threshold) {
            bits |= 1u << (8u * b);
            area++;
            min_x = min(min_x, x);
            min_y = min(min_y, y);
            max_x = max(max_x, x);
            max_y = max(max_y, y);
          }
        }
      }
      p++;
      x++;
      if (x == width) {
        x = 0u;
        y++;
      }
    }
    masks[m * g.plane_words + word] = bits;
  }
  if (n_lo > 0u) {
    atomicAdd(&wg[2], n_lo);
    atomicAdd(&wg[1], n_hi);
  }
  if (area > 0u) {
    atomicAdd(&wg[0], area);
    atomicMin(&wg[3], min_x);
    atomicMin(&wg[4], min_y);
    atomicMax(&wg[5], max_x);
    atomicMax(&wg[6], max_y);
  }
  workgroupBarrier();
  if (lid == 0u) {
    let s = m * 8u;
    let lo_count = atomicLoad(&wg[2]);
    if (lo_count > 0u) {
      atomicAdd(&stats[s + 2u], lo_count);
      atomicAdd(&stats[s + 1u], atomicLoad(&wg[1]));
    }
    let a = atomicLoad(&wg[0]);
    if (a > 0u) {
      atomicAdd(&stats[s], a);
      atomicMin(&stats[s + 3u], atomicLoad(&wg[3]));
      atomicMin(&stats[s + 4u], atomicLoad(&wg[4]));
      atomicMax(&stats[s + 5u], atomicLoad(&wg[5]));
      atomicMax(&stats[s + 6u], atomicLoad(&wg[6]));
    }
  }
}
`;
