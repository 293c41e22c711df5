/**
 * `npm start`: see main.ts. package.json runs it as `node --max-semi-space-size=4 --import tsx`:
 * V8's young generation then grows to 4 MB a half rather than 16, and garbage (the buffers of
 * files streamed through) is collected sooner. On the quick bench's load the heap was about 25 MB
 * smaller and the RSS 10–20 MB lower in back-to-back pairs of runs (the embedded node's target is
 * 300 MB), for 0.2 ms more garbage collection a write in the profile, within the noise of whole runs.
 */
import { run } from './main';

run();
