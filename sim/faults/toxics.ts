import { z } from 'zod';

/**
 * Link faults in toxiproxy's names and units (https://github.com/Shopify/toxiproxy#toxics): each
 * toxic applies to one direction of a link (`upstream` = connector to relay, `downstream` = relay
 * to connector) with a `toxicity` probability, decided per connection.
 */
const Common = {
  name: z.string().min(1).max(64).optional(),
  stream: z.enum(['upstream', 'downstream']).default('downstream'),
  toxicity: z.number().min(0).max(1).default(1),
};

export const ToxicSpec = z.discriminatedUnion('type', [
  /** Delays every chunk by latency ± jitter (ms). */
  z.object({ type: z.literal('latency'), ...Common, attributes: z.object({ latency: z.number().min(0), jitter: z.number().min(0).default(0) }) }),
  /** Limits throughput to `rate` KB/s. */
  z.object({ type: z.literal('bandwidth'), ...Common, attributes: z.object({ rate: z.number().positive() }) }),
  /**
   * Stops data; closes the connection after `timeout` ms. With 0 it holds the data until the toxic
   * is removed (toxiproxy drops it; we hold it so that a healed link resumes a valid byte stream,
   * as TCP retransmission does after a real partition).
   */
  z.object({ type: z.literal('timeout'), ...Common, attributes: z.object({ timeout: z.number().int().min(0) }) }),
  /** Resets the connection (TCP RST) `timeout` ms after the toxic applies. */
  z.object({ type: z.literal('reset_peer'), ...Common, attributes: z.object({ timeout: z.number().int().min(0).default(0) }) }),
  /** Slices chunks into pieces of average_size ± size_variation bytes, `delay` µs apart. */
  z.object({
    type: z.literal('slicer'),
    ...Common,
    attributes: z.object({
      average_size: z.number().int().positive(),
      size_variation: z.number().int().min(0).default(0),
      delay: z.number().min(0).default(0),
    }),
  }),
  /** Closes the connection once `bytes` have passed in this direction. */
  z.object({ type: z.literal('limit_data'), ...Common, attributes: z.object({ bytes: z.number().int().min(0) }) }),
]);
export type ToxicSpec = z.infer<typeof ToxicSpec>;
export type ToxicDirection = ToxicSpec['stream'];

/** A toxic as installed on a link: its name defaults to `<type>_<stream>` like toxiproxy's. */
export type Toxic = ToxicSpec & { readonly name: string };

export function installable(spec: ToxicSpec): Toxic {
  return { ...spec, name: spec.name ?? `${spec.type}_${spec.stream}` };
}
