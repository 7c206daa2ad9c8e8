/**
 * WGSL of the cosine-similarity kernel: one invocation per (proposal,
 * sentence) pair computes the dot product and both squared norms in one
 * pass over the D components (four partial sums, for accuracy).
 *
 * Bindings: 0 proposals (N x D f32), 1 sentences (E x D f32),
 * 2 output (E x N f32), 3 uniform { n, e, dim, first }: `first` is the
 * index of the chunk's first proposal in the whole batch.
 *
 * @module
 */

/** The kernel's source; entry point `cosine`. */
export const COSINE_WGSL = /* wgsl */ `
struct Params {
  n: u32,      // proposals in this chunk
  e: u32,      // sentences
  dim: u32,
  total: u32,  // proposals in the whole batch (row stride of the output)
  first: u32,  // index of this chunk's first proposal
}

@group(0) @binding(0) var<storage, read> proposals: array<f32>;
@group(0) @binding(1) var<storage, read> sentences: array<f32>;
@group(0) @binding(2) var<storage, read_write> scores: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn cosine(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  let j = gid.y;
  if (i >= params.n || j >= params.e) {
    return;
  }
  let d = params.dim;
  let a = i * d;
  let b = j * d;
  var pq = vec4f(0.0);
  var pp = vec4f(0.0);
  var ss = vec4f(0.0);
  var k = 0u;
  for (; k + 4u <= d; k += 4u) {
    let p = vec4f(proposals[a + k], proposals[a + k + 1u], proposals[a + k + 2u], proposals[a + k + 3u]);
    let s = vec4f(sentences[b + k], sentences[b + k + 1u], sentences[b + k + 2u], sentences[b + k + 3u]);
    pq += p * s;
    pp += p * p;
    ss += s * s;
  }
  for (; k < d; k++) {
    let p = proposals[a + k];
    let s = sentences[b + k];
    pq.x += p * s;
    pp.x += p * p;
    ss.x += s * s;
  }
  let denom = sqrt(pp.x + pp.y + pp.z + pp.w) * sqrt(ss.x + ss.y + ss.z + ss.w);
  let num = pq.x + pq.y + pq.z + pq.w;
  scores[j * params.total + params.first + i] = select(0.0, num / denom, denom > 0.0);
}
`;
