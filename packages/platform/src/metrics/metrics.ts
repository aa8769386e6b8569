/**
 * The platform's Prometheus metrics (GET /metrics, issue 16), one registry per platform
 * (tests run several in one process). Counters and histograms are fed where the work
 * happens (the request core, the ingest writer); gauges read the live figure at each
 * scrape from `MetricSources`, so nothing is kept twice. Every series carries the
 * process's `node` (config nodeId): a cluster's nodes are told apart in one Prometheus.
 * docs/operations.md "Metrics" lists them.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { IngestBatch } from '../domain/ingest.js';

/** Live figures read at each scrape. */
export interface MetricSources {
  connections(): number;
  connectionsRefused(): number;
  inFlightBytes(): number;
  inFlightRequests(): number;
  devicesOnline(): number;
  ingestQueued(): number;
  liveSubscribers(): number;
  /** Whether this process runs the cluster's once-only jobs (cluster/leader.ts). */
  leading(): boolean;
  /** Open tasks by state (queued, offered, fetched): one grouped count per scrape. */
  openTasks(): Promise<Record<string, number>>;
}

export type Transport = 'tcp' | 'http';

export class PlatformMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'transport' | 'apicode' | 'code'>;
  readonly #batchSize: Histogram<'outcome'>;
  readonly #batchSeconds: Histogram<'outcome'>;
  readonly #batchPhotos: Counter;

  constructor(nodeId: number, sources: MetricSources) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: String(nodeId) });
    // process_* and nodejs_* (CPU, memory, heap, GC, event-loop delay from
    // monitorEventLoopDelay: nodejs_eventloop_lag_p99_seconds and the rest).
    collectDefaultMetrics({ register: this.registry });

    this.#requests = new Counter({
      name: 'kaoqin_device_requests_total',
      help: 'Device requests answered, by transport, apicode and answer code (ok, or the error code)',
      labelNames: ['transport', 'apicode', 'code'],
      registers,
    });
    this.#batchSize = new Histogram({
      name: 'kaoqin_ingest_batch_records',
      help: 'Clock-in records per group-committed batch',
      labelNames: ['outcome'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
      registers,
    });
    this.#batchSeconds = new Histogram({
      name: 'kaoqin_ingest_batch_seconds',
      help: 'Time to make a batch durable (photos fsynced, rows committed), before its acks',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.#batchPhotos = new Counter({
      name: 'kaoqin_ingest_photos_total',
      help: 'Clock-in photos written with their batches',
      registers,
    });

    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('kaoqin_gateway_connections', 'TCP device connections held', sources.connections);
    gauge(
      'kaoqin_gateway_in_flight_bytes',
      'Request bytes read and not yet answered, over every connection',
      sources.inFlightBytes,
    );
    gauge(
      'kaoqin_gateway_in_flight_requests',
      'Requests read and not yet answered, over every connection',
      sources.inFlightRequests,
    );
    gauge('kaoqin_devices_online', 'Devices online as this process sees them (D10)', sources.devicesOnline);
    gauge('kaoqin_ingest_queued_records', 'Clock-ins waiting for the next batch', sources.ingestQueued);
    gauge('kaoqin_live_subscribers', 'Open live-event streams (GET /api/v1/events)', sources.liveSubscribers);
    gauge('kaoqin_cluster_leader', "1 on the process running the cluster's once-only jobs, else 0", () =>
      sources.leading() ? 1 : 0,
    );
    // A counter kept by the gateway: exposed as its running total.
    new Counter({
      name: 'kaoqin_gateway_connections_refused_total',
      help: 'Connections refused over --max-connections (490_03)',
      registers,
      collect() {
        this.reset();
        this.inc(sources.connectionsRefused());
      },
    });
    new Gauge({
      name: 'kaoqin_tasks_open',
      help: 'Device tasks not yet finished, by state (D11)',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await sources.openTasks();
        this.reset();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
  }

  /** Called once per answered device request. */
  answered(transport: Transport, apicode: string | undefined, code: string): void {
    this.#requests.inc({ transport, apicode: apicode ?? 'unknown', code });
  }

  ingestBatch(b: IngestBatch): void {
    const outcome = b.ok ? 'ok' : 'failed';
    this.#batchSize.observe({ outcome }, b.size);
    this.#batchSeconds.observe({ outcome }, b.seconds);
    if (b.ok && b.photos > 0) this.#batchPhotos.inc(b.photos);
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
