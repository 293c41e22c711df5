/**
 * When a doctor's opening of a report is worth a ledger entry. One opening by one person of one
 * record in `OPENING_WINDOW_MS` is one entry: a reload, a second tab or the page after a
 * prescription is the same visit, and each entry is a transaction the node must mine and the
 * patient must read through.
 *
 * A pair (doctor, report) is recorded again once the window has passed since its last recorded
 * opening (the block time of its `ReportAccessed`, from the read model), and never while one is
 * queued but not yet mined (kept here, in memory). Several app servers each keep their own
 * queue, so two of them may each record one opening of the same visit: the log then says more,
 * never less.
 */
import type { Acts } from '../../store/acts';

export const OPENING_WINDOW_MS = 10 * 60 * 1000;

export function createOpenings(acts: Pick<Acts, 'lastOpening'>, now: () => number = Date.now) {
  const queued = new Set<string>();
  return {
    /**
     * Claims the recording of this opening: undefined when it is part of a visit already
     * recorded or queued; otherwise a function to call once its write has settled (mined or not).
     */
    claim(doctor: string, reportId: number): (() => void) | undefined {
      const key = `${doctor.toLowerCase()}:${reportId}`;
      if (queued.has(key)) return undefined;
      const last = acts.lastOpening(doctor.toLowerCase(), reportId);
      if (last !== undefined && now() - last * 1000 < OPENING_WINDOW_MS) return undefined;
      queued.add(key);
      return () => queued.delete(key);
    },
  };
}

export type Openings = ReturnType<typeof createOpenings>;
