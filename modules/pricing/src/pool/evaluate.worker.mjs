// Piscina's entry: worker threads start without the parent's TypeScript loader (vitest, or tsx
// registered through its API by apps/bff/bin/start.mjs), so register tsx here, then load the task.
import { register } from 'tsx/esm/api';

register();
const task = await import('./evaluate.worker.ts');
export default task.default;
