/**
 * The classroom data set of `npm run demo`: hospitals Apollo and Care, doctors drsmith (Apollo)
 * and drrao (Care), pharmacy MedPlus with pharmacist pharma, insurer Star Health with staff member
 * insurer, patients alice and bob with reports, some shared (one for thirty days), some opened and
 * prescribed; alice's prescription dispensed at MedPlus, bob's claim approved by Star Health, and
 * one emergency access to bob's records, ended by bob. Every demo password is demo1234. Made
 * through the services, as the forms would; the browser test of the lesson plan seeds it too.
 */
import type { AppContext } from './context';
import { markDemo } from './demo-fresh';
import { say } from './main';
import type { Services } from './services';

export const DEMO_PASSWORD = 'demo1234';
const SEEDED = 'demo.seeded';

export async function seedDemo(context: AppContext, services: Services): Promise<void> {
  const { settings, users: userStore } = context.store;
  const hasUsers = await userStore.any();
  if (await settings.get(SEEDED)) {
    say('demo', 'classroom data set already in place');
  } else if (hasUsers) {
    say('demo', `${context.config.dataDir} holds other data (or a demo set cut short): delete it to make the demo set anew`);
  } else {
    say('demo', 'creating the classroom data set (a minute: every act is a transaction)');
    const { hospitalId: apollo } = await services.admin.addHospital({ name: 'Apollo', address: '21 Greams Lane, Chennai', phone: '+91 44 2829 0200' });
    const { hospitalId: care } = await services.admin.addHospital({ name: 'Care', address: 'Road No. 1, Banjara Hills, Hyderabad', phone: '+91 40 3041 8888' });
    await services.admin.addDoctor({ fullName: 'John Smith', username: 'drsmith', password: DEMO_PASSWORD, email: 'smith@apollo.example', specialty: 'Endocrinology', hospitalId: apollo });
    await services.admin.addDoctor({ fullName: 'Priya Rao', username: 'drrao', password: DEMO_PASSWORD, email: 'rao@care.example', specialty: 'Cardiology', hospitalId: care });
    const { organisationId: medplus } = await services.admin.addOrganisation('pharmacy', { name: 'MedPlus', address: '14 Anna Salai, Chennai', phone: '+91 44 4000 1234' });
    const { organisationId: star } = await services.admin.addOrganisation('insurer', { name: 'Star Health', address: '1 New Tank Street, Chennai', phone: '+91 44 2828 8800' });
    await services.admin.addStaff('pharmacist', { fullName: 'Meena Iyer', username: 'pharma', password: DEMO_PASSWORD, email: 'meena@medplus.example', organisationId: medplus });
    await services.admin.addStaff('insurer', { fullName: 'Vikram Shah', username: 'insurer', password: DEMO_PASSWORD, email: 'vikram@star.example', organisationId: star });
    await services.patients.signup({ username: 'alice', password: DEMO_PASSWORD, email: 'alice@example.org', fullName: 'Alice Kumar', phone: '+91 98765 43210' });
    await services.patients.signup({ username: 'bob', password: DEMO_PASSWORD, email: 'bob@example.org', fullName: 'Bob Reddy', phone: '+91 91234 56780' });
    const users = Object.fromEntries(
      await Promise.all(['drsmith', 'drrao', 'pharma', 'insurer', 'alice', 'bob'].map(async username => [username, (await userStore.findByUsername(username))!.id] as const)),
    );
    const a1 = await services.patients.addReport(users.alice, { title: 'Blood test, March', disease: 'Type 2 diabetes', details: 'HbA1c 7.9 %. Fasting glucose 142 mg/dL.\nTired in the afternoons.', hospitalIds: [apollo, care] });
    await services.patients.addReport(users.alice, { title: 'Knee X-ray', disease: 'Osteoarthritis', details: 'Mild joint-space narrowing, right knee. Pain on stairs.', hospitalIds: [apollo] });
    // A grant with an end: Care may read it for thirty days.
    const thirtyDays = Math.floor(Date.now() / 1000) + 30 * 86_400;
    await services.patients.addReport(users.alice, { title: 'Allergy notes', disease: 'Seasonal rhinitis', details: 'Sneezing in spring; no known drug allergies.', hospitalIds: [care], until: thirtyDays });
    const b1 = await services.patients.addReport(users.bob, { title: 'ECG after chest pain', disease: 'Suspected angina', details: 'ST depression on exertion. BP 148/92.', hospitalIds: [care] });
    await services.patients.addReport(users.bob, { title: 'Annual check-up', disease: 'Hypertension', details: 'BP 150/95 on two visits. Non-smoker.', hospitalIds: [apollo, care] });
    // The doctors open the reports they prescribe for, as they would: the patients' access logs.
    await services.doctors.recordAccess(users.drsmith, a1.reportId);
    await services.doctors.recordAccess(users.drrao, b1.reportId);
    await services.background.settled();
    await services.doctors.prescribe(users.drsmith, a1.reportId, { medicines: 'Metformin 500 mg', dosage: 'One tablet twice a day with meals', instructions: 'Walk 30 minutes daily. Recheck HbA1c in 3 months.' });
    await services.doctors.prescribe(users.drrao, b1.reportId, { medicines: 'Aspirin 75 mg; Atorvastatin 20 mg', dosage: 'Aspirin once a day; atorvastatin at night', instructions: 'Stress test next week. Go to the emergency room if pain lasts over 5 minutes.' });
    // A prescription sent to MedPlus and dispensed there; a claim with Star Health, decided.
    await services.pharmacy.send(users.alice, { reportId: a1.reportId, index: 0 }, medplus);
    await services.pharmacy.dispense(users.pharma, { reportId: a1.reportId, index: 0 });
    const { claimId } = await services.insurers.file(users.bob, { reportId: b1.reportId, insurerId: star, amount: 18_500 });
    await services.insurers.decide(users.insurer, claimId, { decision: 'approve', amount: 15_000, note: 'Stress test covered; consultation within the policy limit.' });
    // Break-glass, as a class should see it once: opened by a doctor of the other hospital, ended by the patient.
    const { emergencyId } = await services.emergencies.open(users.drsmith, { patient: 'bob', reason: 'Collapsed in the lobby; need his cardiac history before treating.' });
    await services.emergencies.end(users.bob, emergencyId);
    await settings.set(SEEDED, new Date().toISOString());
    markDemo(context.config.dataDir);
  }
  say(
    'demo',
    `logins (password ${DEMO_PASSWORD} for all but the admin): admin / ${context.config.adminPassword === 'admin' ? 'admin' : '(ADMIN_PASSWORD)'}; ` +
      'doctors drsmith (Apollo), drrao (Care); pharmacist pharma (MedPlus); insurer staff insurer (Star Health); patients alice, bob',
  );
}
