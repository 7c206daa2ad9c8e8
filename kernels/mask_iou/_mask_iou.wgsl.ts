/**
 * WGSL of the batched mask-overlap kernel. Workgroup (x, k) walks the
 * pixels of pair k with a grid stride, counting pixels in both masks and
 * in either; the counts are reduced in workgroup memory and added to the
 * pair's totals with two global atomics per workgroup.
 *
 * Bindings: 0 predicted mask bytes, 1 ground-truth mask bytes (a chunk of
 * pairs each), 2 counts (2 atomic u32 per pair: intersection, union),
 * 3 uniform globals.
 *
 * @module
 */

/** The kernel's source; entry point `overlaps`. */
export const MASK_IOU_WGSL = /* wgsl */ `
struct Globals {
  pixels: u32,    // pixels per mask
  groups_x: u32,  // workgroups along x (the grid stride)
  first: u32,     // first pair of this chunk
  pad: u32
}

@group(0) @binding(0) var<storage, read> predicted: array<u32>;
@group(0) @binding(1) var<storage, read> truths: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> g: Globals;

var<workgroup> wg: array<atomic<u32>, 2>;

fn byte_of(word: u32, i: u32) -> u32 {
  return (word >> ((i & 3u) * 8u)) & 0xffu;
}

@compute @workgroup_size(256, 1, 1)
fn overlaps(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3u,
) {
  let k = wid.y;
  if (lid < 2u) {
    atomicStore(&wg[lid], 0u);
  }
  workgroupBarrier();
  var both = 0u;
  var either = 0u;
  let base = k * g.pixels;
  for (var p = wid.x * 256u + lid; p < g.pixels; p += g.groups_x * 256u) {
    let i = base + p;
    let a = byte_of(predicted[i >> 2u], i) != 0u;
    let b = byte_of(truths[i >> 2u], i) != 0u;
    both += select(0u, 1u, a && b);
    either += select(0u, 1u, a || b);
  }
  if (either > 0u) {
    atomicAdd(&wg[0], both);
    atomicAdd(&wg[1], either);
  }
  workgroupBarrier();
  if (lid == 0u) {
    let u = atomicLoad(&wg[1]);
    if (u > 0u) {
      atomicAdd(&counts[2u * (g.first + k)], atomicLoad(&wg[0]));
      atomicAdd(&counts[2u * (g.first + k) + 1u], u);
    }
  }
}
`;
