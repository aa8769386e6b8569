/** What the main thread and a parser's worker tell each other: the job, and the stats and findings of its run. */

export interface Finding {
  input: number;
  kind: string;
  reason: string;
  sample: string;
}

export interface Stats {
  ok: number;
  refused: Record<string, number>;
  findings: Finding[];
  findingCount: number;
  /** Findings by kind and reason (the first MAX_GROUPS reasons; the rest under "other"). */
  groups: Record<string, number>;
  ms: number;
  rssEnd: number;
  signerThrew: number;
}

export interface Job {
  parser: string;
  inputs: number;
  seed: number;
  slowMs: number;
  progress: SharedArrayBuffer;
}
