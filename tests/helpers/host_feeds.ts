/**
 * Narrows the feeds a stand-in session gets to host tensors: the fakes of
 * the tests compute from the elements, which a device tensor does not hold.
 *
 * @module
 */

import {
  type DeviceTensor,
  isDeviceTensor,
  type Tensor,
} from "../../pipeline/models/tensor.ts";

/** The feeds as host tensors; throws when one is a device tensor. */
export function hostFeeds(
  feeds: Record<string, Tensor | DeviceTensor>,
): Record<string, Tensor> {
  for (const [name, t] of Object.entries(feeds)) {
    if (isDeviceTensor(t)) {
      throw new TypeError(`The stand-in session got "${name}" on the GPU.`);
    }
  }
  return feeds as Record<string, Tensor>;
}
