/** The chain a data set belongs to (see ledger/identity.ts), kept as one settings row. */
import type { ChainIdentity, DeploymentRecord } from '../ledger/identity';
import type { Settings } from './settings';

const KEY = 'chain.identity';

export function createDeploymentRecord(settings: Settings): DeploymentRecord {
  return {
    load() {
      const value = settings.get(KEY);
      return value === undefined ? undefined : (JSON.parse(value) as ChainIdentity);
    },
    save: identity => settings.set(KEY, JSON.stringify(identity)),
  };
}
