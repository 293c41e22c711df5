/**
 * bcrypt through a lane of its own. bcrypt runs on libuv's thread pool: four threads, shared with
 * everything else asynchronous in the process, the embedded node's database reads among them.
 * Sixty signups at once queued sixty hashes there; the node's reads waited behind them past their
 * 4 s deadline, and a quarter of the signups answered 503 (measured here). At most
 * BCRYPT_AT_ONCE hashes or compares now run at once, the others wait in order, so two threads
 * always stay free. Two cores hash no faster with more at once: nothing is lost.
 */
import bcrypt from 'bcrypt';

export const BCRYPT_AT_ONCE = 2;

let running = 0;
const waiting: (() => void)[] = [];

async function inLane<T>(work: () => Promise<T>): Promise<T> {
  if (running >= BCRYPT_AT_ONCE) await new Promise<void>(resolve => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next(); // its turn passes on: `running` stays as it is
    else running--;
  }
}

export const hash = (password: string, cost: number): Promise<string> => inLane(() => bcrypt.hash(password, cost));
export const compare = (password: string, hashed: string): Promise<boolean> => inLane(() => bcrypt.compare(password, hashed));
/** At start only, before any request: the one hash made synchronously. */
export const hashSync = (password: string, cost: number): string => bcrypt.hashSync(password, cost);

/** How many hashes or compares run now, and how many wait (for the tests). */
export const bcryptLoad = () => ({ running, waiting: waiting.length });
