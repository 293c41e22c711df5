/** Where the project's own files are, wherever the process was started from. */
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const CONTRACTS_DIR = path.join(PROJECT_ROOT, 'contracts');
export const BUILD_DIR = path.join(PROJECT_ROOT, 'build', 'contracts');
export const VIEWS_DIR = path.join(PROJECT_ROOT, 'views');
export const PUBLIC_DIR = path.join(PROJECT_ROOT, 'public');
