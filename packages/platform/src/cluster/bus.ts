/**
 * The message bus the processes of a cluster share (issue 16): publish a text on a
 * channel, and every process subscribed to it receives it (the publisher too, as in
 * Redis). Task pushes (cluster/push-route.ts) and live events (cluster/live-bus.ts) ride
 * on it. Two transports: Redis pub/sub across machines (redis/bus.ts), and the cluster
 * IPC of `serve --workers` when no Redis is configured (cluster/ipc-client.ts, relayed by
 * the primary: cluster/ipc-hub.ts). Delivery is at most once: both users recover a lost
 * message by other means (the task poll; live events are a view).
 */
export interface Bus {
  /** Resolves to how many processes were subscribed to the channel (this one included). */
  publish(channel: string, message: string): Promise<number>;
  /** Messages on `channel` go to `handler` (one handler per channel). */
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): void;
}
