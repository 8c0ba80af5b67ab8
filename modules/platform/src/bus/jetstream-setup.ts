import { createHash } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerUpdateConfig,
  type JetStreamManager,
  type StreamUpdateConfig,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { eventSubject } from '@zjmall/contracts';
import { MAX_DELIVER } from './consumer';

const DAY_MS = 86_400_000;
/** Published events stay in the stream as long as handled ids are kept (docs/architecture.md, Retention). */
export const STREAM_MAX_AGE_MS = 7 * DAY_MS;
/** JetStream drops a second publish with the same Nats-Msg-Id (= event id) within this window. */
export const DUPLICATE_WINDOW_MS = 2 * 60_000;
/** First delivery's ack deadline; later ones follow ACK_TIMEOUT_BACKOFF_MS (a crashed consumer's messages come back). */
export const ACK_WAIT_MS = 30_000;
const ACK_TIMEOUT_BACKOFF_MS = [ACK_WAIT_MS, 60_000, 120_000, 300_000];
/**
 * A brand-new durable consumer starts this far back instead of at the stream's start: it picks up
 * events published while the deployment that introduced it was rolling out, without replaying a
 * week of history into a new reaction.
 */
export const NEW_CONSUMER_LOOKBACK_MS = 5 * 60_000;

const isApiError = (e: unknown, code: number) => e instanceof JetStreamApiError && e.code === code;
const STREAM_NAME_IN_USE = 10058;

/** Creates the events stream or brings an existing one to this configuration. */
export async function ensureStream(jsm: JetStreamManager, name: string, prefix: string): Promise<void> {
  const cfg: Partial<StreamUpdateConfig> = {
    description: `zjmall domain events (${prefix}.>)`,
    subjects: [`${prefix}.>`],
    max_age: nanos(STREAM_MAX_AGE_MS),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_msg_size: 1024 * 1024,
    max_msgs: -1,
    max_bytes: -1,
    discard: DiscardPolicy.Old,
    num_replicas: 1,
  };
  try {
    await jsm.streams.info(name);
    await jsm.streams.update(name, cfg);
    return;
  } catch (e) {
    if (!isApiError(e, JetStreamApiCodes.StreamNotFound)) throw e;
  }
  try {
    await jsm.streams.add({ name, retention: RetentionPolicy.Limits, storage: StorageType.File, ...cfg });
  } catch (e) {
    // Another process created it between our info and add.
    if (!isApiError(e, STREAM_NAME_IN_USE)) throw e;
    await jsm.streams.update(name, cfg);
  }
}

/**
 * NATS consumer names allow no whitespace, `.`, `*`, `>`, or path separators. Names that had to be
 * changed get a short hash of the original so that two handlers cannot collapse into one consumer.
 */
export function consumerName(handlerName: string): string {
  const safe = handlerName.replace(/[^A-Za-z0-9_-]/g, '_');
  if (safe === handlerName && safe.length <= 64) return safe;
  const hash = createHash('sha256').update(handlerName).digest('hex').slice(0, 8);
  return `${safe.slice(0, 55)}_${hash}`;
}

/** Several filter subjects per consumer need nats-server 2.10. */
export function supportsMultiFilter(nc: NatsConnection): boolean {
  const [major = 0, minor = 0] = (nc.info?.version ?? '0.0.0').split('.').map((p) => Number.parseInt(p, 10));
  return major > 2 || (major === 2 && minor >= 10);
}

/**
 * The subjects a handler's consumer is filtered on. On a pre-2.10 server a handler of several
 * types consumes the whole event space and the bus acks the types it does not want.
 */
export function consumerFilter(
  prefix: string,
  types: readonly string[],
  multi: boolean,
): Pick<ConsumerUpdateConfig, 'filter_subject' | 'filter_subjects'> {
  const all = `${prefix}.>`;
  if (types.includes('*')) return { filter_subject: all };
  const subjects = [...new Set(types)].map((t) => eventSubject(prefix, t));
  if (subjects.length === 1) return { filter_subject: subjects[0] };
  return multi ? { filter_subjects: subjects } : { filter_subject: all };
}

/** Creates the durable pull consumer, or updates it to this configuration. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  filter: Pick<ConsumerUpdateConfig, 'filter_subject' | 'filter_subjects'>,
): Promise<void> {
  const cfg: Partial<ConsumerUpdateConfig> = {
    ...filter,
    ack_wait: nanos(ACK_WAIT_MS),
    max_deliver: MAX_DELIVER,
    backoff: ACK_TIMEOUT_BACKOFF_MS.map((ms) => nanos(ms)),
    max_ack_pending: 1000,
  };
  try {
    await jsm.consumers.info(stream, durable);
    await jsm.consumers.update(stream, durable, cfg);
    return;
  } catch (e) {
    if (!isApiError(e, JetStreamApiCodes.ConsumerNotFound)) throw e;
  }
  try {
    await jsm.consumers.add(stream, {
      ...cfg,
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(Date.now() - NEW_CONSUMER_LOOKBACK_MS).toISOString(),
    });
  } catch (e) {
    // Another process created it meanwhile (with its own start time): use theirs.
    const exists = await jsm.consumers.info(stream, durable).then(
      () => true,
      () => false,
    );
    if (!exists) throw e;
    await jsm.consumers.update(stream, durable, cfg);
  }
}
