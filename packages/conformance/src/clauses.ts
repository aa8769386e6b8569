/**
 * The clause list (clauses.json): data, so that a revision of the standard is a data
 * change. Every check cites one id of it; a check citing an id not listed fails to load.
 */
import data from './clauses.json' with { type: 'json' };

export interface Clause {
  /** The clause number in the standard's interface part (实名制物联平台与设备对接规范). */
  id: string;
  zh: string;
  en: string;
}

export const STANDARD = { name: data.standard, part: data.part } as const;
export const CLAUSES: readonly Clause[] = data.clauses;

const byId = new Map(CLAUSES.map((c) => [c.id, c]));

export function clause(id: string): Clause {
  const c = byId.get(id);
  if (!c) throw new Error(`no clause ${id} in clauses.json`);
  return c;
}
