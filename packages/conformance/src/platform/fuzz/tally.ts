/** The pass's bookkeeping: what each input met, counted, and the first findings kept. */
import { type FuzzFinding, MAX_FINDINGS } from './types.js';

export class Tally {
  answered = 0;
  closed = 0;
  readonly refused: Record<string, number> = {};
  readonly findings: FuzzFinding[] = [];
  findingCount = 0;

  find(f: FuzzFinding): void {
    this.findingCount++;
    if (this.findings.length < MAX_FINDINGS) this.findings.push(f);
  }
}

/** What one input met: the first answer, a close, or a finding. */
export type Outcome =
  | { kind: 'success' }
  | { kind: 'refused'; code: string }
  | { kind: 'closed' }
  | { kind: 'finding'; finding: Omit<FuzzFinding, 'input' | 'inputKind' | 'sentHex' | 'sentBytes'> };
