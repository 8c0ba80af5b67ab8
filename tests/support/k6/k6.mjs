// Stand-in for the `k6` module: check, group, sleep, fail — recording every check.
import { block, groups, lastExchange, records, where } from './state.mjs';

export function check(value, sets) {
  let all = true;
  for (const [name, cond] of Object.entries(sets)) {
    // As in k6, an exception thrown by a condition propagates and ends the iteration.
    const ok = typeof cond === 'function' ? !!cond(value) : !!cond;
    records.checks.push({ name, ok, ...where(), ...(ok ? {} : { lastRequest: lastExchange() }) });
    all &&= ok;
  }
  return all;
}

export function group(name, fn) {
  groups.push(name);
  try {
    return fn();
  } finally {
    groups.pop();
  }
}

export function sleep(seconds) {
  block(seconds);
}

export function fail(message) {
  throw new Error(message);
}

export default { check, group, sleep, fail };
