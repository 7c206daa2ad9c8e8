/**
 * WGSL of the pairwise mask-IoU kernel, two entry points:
 * - `pack`: one invocation per word of a mask's bit rows (32 pixels per
 *   word, rows padded to whole words) turns the mask bytes into bits;
 * - `pairs`: a 16 x 16 workgroup computes the intersection counts of a
 *   16 x 16 block of mask pairs, streaming 16 words of each of its 32
 *   masks through workgroup memory at a time (a tiled AND-popcount
 *   product). Only blocks on or above the diagonal run.
 *
 * Bindings: 0 mask bytes (a chunk of masks), 1 bits (all masks), 2 counts
 * (N x N u32), 3 uniform globals.
 *
 * @module
 */

/** The kernel's source; entry points `pack` and `pairs`. */
export const MASK_PAIRWISE_IOU_WGSL = /* wgsl */ `
struct Globals {
  width: u32,
  height: u32,
  row_words: u32,   // words per bit row
  words: u32,       // words per mask: height * row_words
  n: u32,           // masks in the whole batch
  first: u32,       // first mask of the packed chunk
  chunk: u32,       // masks in the packed chunk
  pad: u32
}

@group(0) @binding(0) var<storage, read> mask_bytes: array<u32>;
@group(0) @binding(1) var<storage, read_write> bits: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<u32>;
@group(0) @binding(3) var<uniform> g: Globals;

@compute @workgroup_size(256, 1, 1)
fn pack(@builtin(global_invocation_id) gid: vec3u) {
  let word = gid.x;
  let m = gid.y;
  if (word >= g.words || m >= g.chunk) {
    return;
  }
  let y = word / g.row_words;
  let x0 = (word - y * g.row_words) * 32u;
  let x1 = min(x0 + 32u, g.width);
  let base = m * g.width * g.height + y * g.width;
  var v = 0u;
  for (var x = x0; x < x1; x++) {
    let i = base + x;
    if (((mask_bytes[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu) != 0u) {
      v |= 1u << (x - x0);
    }
  }
  bits[(g.first + m) * g.words + word] = v;
}

var<workgroup> tile_a: array<array<u32, 16>, 16>;
var<workgroup> tile_b: array<array<u32, 16>, 16>;

@compute @workgroup_size(16, 16, 1)
fn pairs(
  @builtin(local_invocation_id) lid: vec3u,
  @builtin(workgroup_id) wid: vec3u,
) {
  if (wid.y < wid.x) {
    return; // below the diagonal: the host mirrors the upper triangle
  }
  let i = wid.x * 16u + lid.y; // row mask
  let j = wid.y * 16u + lid.x; // column mask
  let load_a = wid.x * 16u + lid.y;
  let load_b = wid.y * 16u + lid.y;
  var count = 0u;
  for (var k0 = 0u; k0 < g.words; k0 += 16u) {
    let k = k0 + lid.x;
    var a = 0u;
    var b = 0u;
    if (k < g.words) {
      if (load_a < g.n) {
        a = bits[load_a * g.words + k];
      }
      if (load_b < g.n) {
        b = bits[load_b * g.words + k];
      }
    }
    tile_a[lid.y][lid.x] = a;
    tile_b[lid.y][lid.x] = b;
    workgroupBarrier();
    for (var t = 0u; t < 16u; t++) {
      count += countOneBits(tile_a[lid.y][t] & tile_b[lid.x][t]);
    }
    workgroupBarrier();
  }
  if (i < g.n && j < g.n) {
    counts[i * g.n + j] = count;
  }
}
`;
