/** `npm start`: see main.ts. */
import { run } from './main';

run();
