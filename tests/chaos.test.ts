import { describe, expect, it } from 'vitest';
import { runScenario, shortScenario } from './chaos/scenarios';

/**
 * The chaos suite's short run (issue 16): its own redis-server, nats-server and BFF process on a
 * fresh database; Redis killed and NATS stopped during a small sale; then the invariants from the
 * database and the stream. No latency bounds here (`npm run chaos` asserts those).
 */
describe('chaos, short run', () => {
  it('keeps every invariant through a sale with Redis and NATS away', async () => {
    const r = await runScenario(shortScenario);
    const failed = r.invariants.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(failed).toEqual([]);
    expect(r.invariants.length).toBeGreaterThanOrEqual(8);
  }, 300_000);
});
