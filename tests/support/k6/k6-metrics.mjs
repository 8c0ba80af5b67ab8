// Stand-in for `k6/metrics`: custom metrics whose samples the test can read.
import { records, where } from './state.mjs';

class Metric {
  constructor(type, name, isTime = false) {
    this.type = type;
    this.name = name;
    this.isTime = isTime;
  }

  add(value, tags) {
    records.metrics.push({ name: this.name, type: this.type, value: Number(value), tags: tags ?? {}, ...where() });
  }
}

export class Counter extends Metric {
  constructor(name, isTime) {
    super('counter', name, isTime);
  }
}
export class Gauge extends Metric {
  constructor(name, isTime) {
    super('gauge', name, isTime);
  }
}
export class Rate extends Metric {
  constructor(name, isTime) {
    super('rate', name, isTime);
  }
}
export class Trend extends Metric {
  constructor(name, isTime) {
    super('trend', name, isTime);
  }
}
