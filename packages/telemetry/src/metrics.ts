import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A Prometheus registry with the process metrics and a `service` label on everything. */
export function createMetrics(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function counter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[] = [],
): Counter<string> {
  return new Counter({ name, help, labelNames: [...labelNames], registers: [registry] });
}

export function gauge(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[] = [],
  /** Read at each scrape (a value another store holds, such as a Redis set's size). */
  read?: () => Promise<number>,
): Gauge<string> {
  return new Gauge({
    name,
    help,
    labelNames: [...labelNames],
    registers: [registry],
    ...(read
      ? {
          async collect() {
            this.set(await read());
          },
        }
      : {}),
  });
}

export function histogram(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[] = [],
  buckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
): Histogram<string> {
  return new Histogram({ name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [registry] });
}
