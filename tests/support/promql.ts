/** PromQL's functions, aggregations and keywords: every other identifier in an expression is a metric name. */
const PROMQL_WORDS = new Set(
  `sum min max avg count stddev stdvar topk bottomk quantile count_values group rate irate increase delta idelta
deriv predict_linear resets changes histogram_quantile clamp_min clamp_max clamp abs ceil floor round time timestamp
vector scalar absent absent_over_time avg_over_time max_over_time min_over_time sum_over_time count_over_time
last_over_time label_replace label_join sort sort_desc and or unless by without on ignoring group_left group_right bool
offset inf nan e`.split(/\s+/),
);

/**
 * The metric names a PromQL expression reads (a histogram's `_bucket`/`_count`/`_sum` series by the
 * histogram's name), found by removing label matchers, ranges, strings, grouping clauses and
 * Grafana's `$variables`, then keeping the identifiers that are not PromQL's own words.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+|\$\{[^}]*\}/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)/g)) {
    const id = m[1];
    if (PROMQL_WORDS.has(id) || /^\d/.test(id)) continue;
    names.add(id.replace(/_(bucket|count|sum)$/, ''));
  }
  return [...names];
}

/** Metric families a Prometheus text exposition declares (`# TYPE name kind`). */
export function exposedMetrics(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
}
