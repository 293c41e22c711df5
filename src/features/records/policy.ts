/**
 * The access policy over this app's ledger: the contract's answers, with the caching of
 * `ledger-reads` where it is safe (a report's owner for good, a doctor's hospital and a granted
 * "yes" on a list for a few seconds) and the contract itself where it is not (a body's page).
 */
import { createAccessPolicy, type AccessPolicy } from '../../domain/access-policy';
import type { EhrClient } from '../../ledger/ehr-client';
import type { LedgerReads } from './ledger-reads';

export function createRecordPolicy(client: Pick<EhrClient, 'report' | 'treatmentGrant' | 'emergencyOf' | 'reportCount'>, reads: LedgerReads): AccessPolicy {
  return createAccessPolicy({
    owner: async reportId => (await client.report(reportId)).patient,
    owners: async reportIds => (await reads.identities(reportIds)).map(identity => identity?.patient),
    hospitalOf: address => reads.hospitalOf(address),
    staffOf: address => reads.staffOf(address),
    treatmentGrant: (reportId, hospitalId) => client.treatmentGrant(reportId, hospitalId),
    emergencyOf: (patient, doctor) => client.emergencyOf(patient, doctor),
    grantedOf: (reportIds, hospitalId) => reads.grantedOf(reportIds, hospitalId),
    reportCount: () => client.reportCount(),
  });
}
