/**
 * `npm start`: see main.ts. package.json's `start` script sets glibc's variables and node's flags
 * before this runs (the embedded node's memory target is 300 MB, and 5 ms of CPU a write on a fast
 * node); why each:
 * - V8's young generation grows to 4 MB a half rather than 16, and garbage (the buffers of files
 *   streamed through) is collected sooner. On the quick bench's load the heap was about 25 MB
 *   smaller and the RSS 10–20 MB lower in back-to-back pairs of runs, for 0.2 ms more garbage
 *   collection a write in the profile, within the noise of whole runs.
 * - glibc keeps two malloc arenas rather than one for each thread that allocates, each keeping
 *   what it freed: about 40 MB less RSS on the same load.
 * - glibc gives every block of 128 KB or more (a file's 256 KB chunks read from the file store,
 *   its decrypted parts) pages of its own, returned to the system when freed. By default it raises
 *   that threshold to the largest block freed so far, so after the first 10 MB file such blocks
 *   came from heaps that keep what they free. On the quick bench: RSS after the file transfers
 *   261–325 (three runs of six under 300) against 304–379 MB, for downloads of a 10 MB file at
 *   28–37 instead of 44–46 MB/s (fresh pages are zeroed and faulted in).
 * - V8 gets one background thread (concurrent marking and sweeping, compilation) rather than four.
 *   On two cores that the app shares with its node and database, the four took 1.4–1.7 ms of CPU
 *   a write on Anvil, and the process as a whole used 0.3 ms a write more than with one (the
 *   median of paired runs, 5 of 6 lower with one thread); `--single-threaded` saved about as much
 *   but puts every collection on the requests' thread.
 * glibc reads both variables before any JavaScript runs, hence the script.
 */
import { run } from './main';

run();
