import { z } from 'zod';
import { formatZodError } from '../common/zod-errors.ts';
import { SimError } from '../common/sim-error.ts';

export const FAULT_ACTIONS = [
  'kill',
  'terminate',
  'pause',
  'resume',
  'restart',
  'update',
  'move',
  'partition',
  'heal',
  'latency',
  'bandwidth',
  'reset',
] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];
/** Actions on the link between a connector and a relay (through the connector's fault proxy). */
export const LINK_ACTIONS: ReadonlySet<FaultAction> = new Set(['partition', 'heal', 'latency', 'bandwidth', 'reset']);

const Direction = z.enum(['both', 'upstream', 'downstream']);

/** Parameters each action takes; anything else is refused by name. */
const PARAMS = {
  kill: z.strictObject({}),
  terminate: z.strictObject({}),
  pause: z.strictObject({}),
  resume: z.strictObject({}),
  restart: z.strictObject({}),
  update: z.strictObject({}),
  /** An administrator moves a connector to another group; it takes effect at the connector's next configuration pull. */
  move: z.strictObject({ group: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a group name') }),
  partition: z.strictObject({}),
  heal: z.strictObject({}),
  latency: z.strictObject({
    latencyMs: z.number().min(0).max(600_000),
    jitterMs: z.number().min(0).max(600_000).default(0),
    direction: Direction.default('both'),
    toxicity: z.number().min(0).max(1).default(1),
  }),
  bandwidth: z.strictObject({
    rateKBps: z.number().positive(),
    direction: Direction.default('both'),
    toxicity: z.number().min(0).max(1).default(1),
  }),
  reset: z.strictObject({
    afterMs: z.number().int().min(0).default(0),
    direction: Direction.default('downstream'),
    toxicity: z.number().min(0).max(1).default(1),
  }),
} satisfies Record<FaultAction, z.ZodType>;

export type FaultParams = { [A in FaultAction]: z.infer<(typeof PARAMS)[A]> };

export type TargetKind = 'connector' | 'group' | 'relay' | 'backend';
export interface FaultTarget {
  readonly kind: TargetKind;
  readonly name: string;
}

export type FaultRequest = {
  [A in FaultAction]: { readonly action: A; readonly target: FaultTarget; readonly params: FaultParams[A] };
}[FaultAction];

export class FaultRequestError extends SimError<'bad_fault_request'> {
  constructor(message: string, options: { readonly cause?: unknown } = {}) {
    super('bad_fault_request', message, options);
  }
}

const TARGET = /^(connector|group|relay|backend):([A-Za-z0-9_.-]+)$/;

export function parseTarget(raw: unknown): FaultTarget {
  const match = typeof raw === 'string' ? TARGET.exec(raw) : null;
  if (!match) {
    throw new FaultRequestError(`target ${JSON.stringify(raw)} is not one of connector:<id>, group:<name>, relay:<id>, backend:<id>`);
  }
  return { kind: match[1] as TargetKind, name: match[2]! };
}

/** Validates a `POST /faults` body (or a topology fault-plan entry); errors name the bad part. */
export function parseFaultRequest(body: unknown): FaultRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new FaultRequestError('the body must be a JSON object {action, target, params?}');
  const { action, target, params, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new FaultRequestError(`unknown field(s) ${extra.join(', ')}; a fault is {action, target, params?}`);
  if (typeof action !== 'string' || !(FAULT_ACTIONS as readonly string[]).includes(action)) {
    throw new FaultRequestError(`action ${JSON.stringify(action)} is not one of ${FAULT_ACTIONS.join(', ')}`);
  }
  const parsedTarget = parseTarget(target);
  const schema = PARAMS[action as FaultAction];
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) throw new FaultRequestError(`bad params for ${action}:\n${formatZodError(parsed.error, 'params')}`);
  if (action === 'move' && parsedTarget.kind !== 'connector') {
    throw new FaultRequestError('move assigns one connector to another group: target connector:<id>, with params {group}');
  }
  if (action === 'update' && parsedTarget.kind !== 'group') {
    throw new FaultRequestError('update rolls through a whole connector group, one connector at a time: target group:<name>');
  }
  if (parsedTarget.kind === 'backend' && LINK_ACTIONS.has(action as FaultAction)) {
    throw new FaultRequestError(`${action} is a link fault; backends have no relay link (target a connector, group or relay)`);
  }
  return { action, target: parsedTarget, params: parsed.data } as FaultRequest;
}
