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

const metric = (type) =>
  class extends Metric {
    constructor(name, isTime) {
      super(type, name, isTime);
    }
  };
export const Counter = metric('counter');
export const Gauge = metric('gauge');
export const Rate = metric('rate');
export const Trend = metric('trend');
