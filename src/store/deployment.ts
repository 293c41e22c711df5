/** The chain a data set belongs to (see ledger/identity.ts), kept as one settings row. */
import type { ChainIdentity, DeploymentRecord } from '../ledger/identity';
import type { Store } from './ports';

const KEY = 'chain.identity';

export function createDeploymentRecord(store: Pick<Store, 'settings' | 'projection' | 'transaction'>): DeploymentRecord {
  const { settings, projection } = store;
  return {
    async load() {
      const value = await settings.get(KEY);
      return value === undefined ? undefined : (JSON.parse(value) as ChainIdentity);
    },
    async save(identity, { contractChanged = false } = {}) {
      if (!contractChanged) return settings.set(KEY, JSON.stringify(identity));
      await store.transaction(async () => {
        await settings.set(KEY, JSON.stringify(identity));
        await projection.reset(identity.deploymentBlock);
      });
    },
  };
}
