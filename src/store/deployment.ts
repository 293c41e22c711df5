/** The chain a data set belongs to (see ledger/identity.ts), kept as one settings row. */
import type { ChainIdentity, DeploymentRecord } from '../ledger/identity';
import type { SettingsStore } from './ports';

const KEY = 'chain.identity';

export function createDeploymentRecord(settings: SettingsStore): DeploymentRecord {
  return {
    async load() {
      const value = await settings.get(KEY);
      return value === undefined ? undefined : (JSON.parse(value) as ChainIdentity);
    },
    save: identity => settings.set(KEY, JSON.stringify(identity)),
  };
}
