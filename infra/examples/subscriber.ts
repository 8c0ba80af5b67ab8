/**
 * A runnable JetStream consumer of zjmall's events — the starting point for another service.
 *
 *   npx tsx infra/examples/subscriber.ts [--subjects 'zjmall.order.*'] [--durable name]
 *                                        [--deliver new|all|last] [--json]
 *
 * env: NATS_URL (nats://127.0.0.1:4222), NATS_STREAM (ZJMALL), NATS_SUBJECT_PREFIX (zjmall).
 *
 * Prints every event matching the subjects (default `<prefix>.order.*`) on stdout, one line each
 * (`--json`: the envelope as one JSON line), and acks it after printing. Diagnostics go to stderr.
 * Without --durable it uses an ephemeral pull consumer that starts with new events and disappears
 * when the subscriber stops; with --durable the server remembers the position, so a restart
 * continues where it stopped (and a first start reads the stream's retained history unless
 * --deliver new). Delivery is at least once: a real consumer records each envelope `id` it has
 * handled and skips repeats (README.md, "Events for other services").
 */
import { parseArgs } from 'node:util';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import { DEFAULT_STREAM, DEFAULT_SUBJECT_PREFIX, EventEnvelope, parseEventData } from '@zjmall/contracts';

const usage = `usage: npx tsx infra/examples/subscriber.ts [--subjects '<prefix>.order.*'] [--durable name] [--deliver new|all|last] [--json]
  --subjects  comma-separated NATS subjects (wildcards allowed) inside the stream; default <prefix>.order.*
              (nats-server < 2.10 takes one subject per consumer)
  --durable   durable consumer name (kept by the server; resume after a restart)
  --deliver   where a new consumer starts: new (default without --durable), all (default with it), last
  --json      print each envelope as one JSON line
env: NATS_URL, NATS_STREAM, NATS_SUBJECT_PREFIX`;

const { values: args } = parseArgs({
  options: {
    subjects: { type: 'string' },
    durable: { type: 'string' },
    deliver: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(usage);
  process.exit(0);
}

const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const stream = process.env.NATS_STREAM || DEFAULT_STREAM;
const prefix = process.env.NATS_SUBJECT_PREFIX || DEFAULT_SUBJECT_PREFIX;
const subjects = (args.subjects ?? `${prefix}.order.*`)
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const deliverPolicies = { new: DeliverPolicy.New, all: DeliverPolicy.All, last: DeliverPolicy.Last } as const;
const deliver = (args.deliver ?? (args.durable ? 'all' : 'new')) as keyof typeof deliverPolicies;
if (
  !subjects.length ||
  !(deliver in deliverPolicies) ||
  (args.durable !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(args.durable))
) {
  console.error(usage);
  process.exit(64);
}

const err = (msg: string) => process.stderr.write(`${msg}\n`);

function serverSupportsMultiFilter(nc: NatsConnection): boolean {
  const [major = 0, minor = 0] = (nc.info?.version ?? '0.0.0').split('.').map((p) => Number.parseInt(p, 10));
  return major > 2 || (major === 2 && minor >= 10);
}

function format(event: EventEnvelope, subject: string): string {
  if (args.json) return JSON.stringify(event);
  return `${event.occurredAt} ${event.type} v${event.version} id=${event.id} aggregateId=${event.aggregateId} subject=${subject} data=${JSON.stringify(event.data)}`;
}

/** Prints one delivery and acks it; a message that is not an envelope is terminated (never redelivered). */
function handle(m: JsMsg): void {
  let event: EventEnvelope;
  try {
    event = EventEnvelope.parse(JSON.parse(m.string()));
  } catch (e) {
    err(
      `skipping a malformed envelope on ${m.subject} (stream seq ${m.seq}): ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
    );
    m.term();
    return;
  }
  // The payload is checked against its schema in @zjmall/contracts when this build knows its version.
  const payload = parseEventData(event);
  if (payload && !payload.ok)
    err(`warning: ${event.type} ${event.id} does not match its v${event.version} payload schema`);
  process.stdout.write(`${format(event, m.subject)}\n`);
  m.ack();
}

const nc = await connect({ servers: natsUrl, name: 'zjmall-example-subscriber' });
const jsm = await jetstreamManager(nc);
const js = jetstream(nc);

const multi = serverSupportsMultiFilter(nc);
if (subjects.length > 1 && !multi) {
  err(
    `nats-server ${nc.info?.version} filters one subject per consumer: pass one --subjects value (or run one subscriber per subject)`,
  );
  await nc.close();
  process.exit(64);
}
const filter: Partial<ConsumerConfig> =
  subjects.length > 1 ? { filter_subjects: subjects } : { filter_subject: subjects[0] };

let consumerName: string;
const base: Partial<ConsumerConfig> = {
  ...filter,
  ack_policy: AckPolicy.Explicit,
  ack_wait: nanos(30_000),
  max_ack_pending: 256,
};
try {
  if (args.durable) {
    consumerName = args.durable;
    const exists = await jsm.consumers.info(stream, consumerName).then(
      () => true,
      (e: unknown) => {
        if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.ConsumerNotFound) return false;
        throw e;
      },
    );
    if (exists) {
      // Follow a changed --subjects (servers before 2.10 may refuse: then the old filter stays).
      await jsm.consumers
        .update(stream, consumerName, filter)
        .catch((e: unknown) =>
          err(`warning: kept durable ${consumerName}'s filter: ${e instanceof Error ? e.message : String(e)}`),
        );
    } else
      await jsm.consumers.add(stream, {
        ...base,
        durable_name: consumerName,
        deliver_policy: deliverPolicies[deliver],
      });
  } else {
    // Ephemeral: the server names it and removes it a minute after the subscriber is gone.
    const info = await jsm.consumers.add(stream, {
      ...base,
      deliver_policy: deliverPolicies[deliver],
      inactive_threshold: nanos(60_000),
    });
    consumerName = info.name;
  }
} catch (e) {
  err(`cannot create a consumer on stream ${stream} at ${natsUrl}: ${e instanceof Error ? e.message : String(e)}`);
  await nc.close();
  process.exit(69);
}

const consumer = await js.consumers.get(stream, consumerName);
let messages: ConsumerMessages | undefined;
let stopping = false;

async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  err(`${signal}: stopping`);
  await messages?.close().catch(() => {});
  if (!args.durable) await jsm.consumers.delete(stream, consumerName).catch(() => {});
  await nc.drain().catch(() => {});
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

err(
  `listening on ${subjects.join(', ')} (stream ${stream}, ${args.durable ? `durable consumer ${consumerName}` : 'ephemeral consumer'}, deliver ${deliver}) at ${natsUrl}; Ctrl-C to stop`,
);
while (!stopping) {
  try {
    messages = await consumer.consume({ max_messages: 64 });
    for await (const m of messages) {
      handle(m);
      if (stopping) break;
    }
  } catch (e) {
    if (!stopping) err(`consumer interrupted (${e instanceof Error ? e.message : String(e)}); resuming in 1 s`);
  }
  if (!stopping) await new Promise((r) => setTimeout(r, 1_000));
}
