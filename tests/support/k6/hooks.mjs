// Module resolution hook (node:module `register`) for the k6 stand-in: the specifiers k6 provides
// resolve to the files beside this one; any other `k6/…` module is refused by name, so a script
// that needs more of k6 fails loudly instead of half-running.
const standIns = {
  k6: './k6.mjs',
  'k6/http': './k6-http.mjs',
  'k6/metrics': './k6-metrics.mjs',
};

export async function resolve(specifier, context, next) {
  if (Object.hasOwn(standIns, specifier))
    return { url: new URL(standIns[specifier], import.meta.url).href, shortCircuit: true };
  if (specifier.startsWith('k6/')) throw new Error(`the k6 stand-in has no ${specifier} (tests/support/k6/hooks.mjs)`);
  return next(specifier, context);
}
