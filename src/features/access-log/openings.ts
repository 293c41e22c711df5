/**
 * When an opening of a report (a doctor's, or an insurer's for a claim) is worth a ledger entry.
 * One opening by one person of one record in `OPENING_WINDOW_MS` is one entry: a reload, a second tab or the page after a
 * prescription is the same visit, and each entry is a transaction the node must mine and the
 * patient must read through.
 *
 * A pair (doctor, report) is recorded again once the window has passed since its last recorded
 * opening, and never while one is queued but not yet mined. The last recorded opening is the
 * later of the block time of its `ReportAccessed` (from the read model: it survives a restart
 * and sees other servers' entries) and when this server queued one (kept in memory: a node
 * whose clock runs behind the app's must not make every reload a new visit). Several app
 * servers each keep their own queue, so two of them may each record one opening of the same
 * visit: the log then says more, never less.
 */
import type { ActStore } from '../../store/ports';
import type { BackgroundTasks } from '../records/background';

export const OPENING_WINDOW_MS = 10 * 60 * 1000;

// Past this many remembered pairs, those older than the window are swept out.
const SWEEP_AT = 10_000;

export function createOpenings(acts: Pick<ActStore, 'lastOpening'>, now: () => number = Date.now) {
  const queued = new Set<string>();
  const queuedAt = new Map<string, number>(); // pair → when this server last queued its opening (ms)

  function sweep(): void {
    if (queuedAt.size < SWEEP_AT) return;
    for (const [key, at] of queuedAt) if (now() - at >= OPENING_WINDOW_MS) queuedAt.delete(key);
  }

  return {
    /**
     * Claims the recording of this opening: undefined when it is part of a visit already
     * recorded or queued; otherwise a function to call once its write has settled, saying whether
     * it was recorded (a failed one may be tried again at the next opening).
     */
    async claim(doctor: string, reportId: number): Promise<((recorded: boolean) => void) | undefined> {
      const key = `${doctor.toLowerCase()}:${reportId}`;
      if (queued.has(key)) return undefined;
      queued.add(key); // held while the last opening is looked up: a second tab waits for no answer
      const last = Math.max(((await acts.lastOpening(doctor.toLowerCase(), reportId)) ?? 0) * 1000, queuedAt.get(key) ?? 0);
      if (now() - last < OPENING_WINDOW_MS) {
        queued.delete(key);
        return undefined;
      }
      sweep();
      queuedAt.set(key, now());
      return recorded => {
        queued.delete(key);
        if (!recorded) queuedAt.delete(key);
      };
    },
  };
}

export type Openings = ReturnType<typeof createOpenings>;

/**
 * Puts an opening of a report by `reader` on the ledger (`write`: its transaction) without making
 * the page wait, once a visit (see `claim`): the patient's access log reads it from the ledger's
 * events once it is mined. Resolves once the write is queued, not mined.
 */
export async function recordOpening(
  openings: Openings,
  background: BackgroundTasks,
  opening: { readonly reader: string; readonly reportId: number; readonly label: string },
  write: () => Promise<unknown>,
): Promise<void> {
  const settle = await openings.claim(opening.reader, opening.reportId);
  if (!settle) return;
  background.run(opening.label, async () => {
    try {
      await write();
      settle(true);
    } catch (error) {
      settle(false);
      throw error;
    }
  });
}
