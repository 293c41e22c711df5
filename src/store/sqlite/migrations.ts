/**
 * The database schema, as an ordered list of migrations. A migration is never edited once it has
 * landed: change the schema by appending one. `PRAGMA user_version` records how many have run.
 */
import type { Migration } from '../migration';

export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'custodial accounts',
    sql: `
      -- One Ethereum account per user. The private key is kept only as an AES-256-GCM envelope
      -- under a key derived from the master key, bound to the address.
      CREATE TABLE accounts (
        id            INTEGER PRIMARY KEY,
        address       TEXT NOT NULL UNIQUE CHECK (address GLOB '0x*' AND length(address) = 42),
        encrypted_key TEXT NOT NULL,
        created_at    INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    name: 'roles, records and sessions',
    sql: `
      -- Settings kept by the app, e.g. the admin's bcrypt hash.
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      -- Patients and doctors. Personal fields stay here, never on the ledger.
      CREATE TABLE users (
        id            INTEGER PRIMARY KEY,
        username      TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('patient', 'doctor')),
        address       TEXT NOT NULL UNIQUE REFERENCES accounts (address),
        full_name     TEXT NOT NULL,
        email         TEXT NOT NULL,
        phone         TEXT NOT NULL DEFAULT '',
        specialty     TEXT NOT NULL DEFAULT '',
        hospital_id   INTEGER,
        created_at    INTEGER NOT NULL
      ) STRICT;

      -- A hospital's address and phone, off the ledger (the ledger has its id and name).
      CREATE TABLE hospital_details (
        hospital_id INTEGER PRIMARY KEY,
        address     TEXT NOT NULL,
        phone       TEXT NOT NULL
      ) STRICT;

      -- Encrypted bodies of reports and prescriptions, keyed by the commitment the ledger keeps.
      -- A body is stored as pending before its transaction is sent, then confirmed or failed.
      CREATE TABLE bodies (
        commitment   TEXT PRIMARY KEY,
        kind         TEXT NOT NULL CHECK (kind IN ('report', 'prescription')),
        author       TEXT NOT NULL,
        envelope     TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'failed')),
        tx_hash      TEXT,
        block_number INTEGER,
        created_at   INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX bodies_unsettled ON bodies (status) WHERE status <> 'confirmed';

      -- The read model: the contract's events as tables, rebuilt from the ledger at any time.
      CREATE TABLE ledger_hospitals (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL
      ) STRICT;
      CREATE TABLE ledger_doctors (
        address     TEXT PRIMARY KEY,
        hospital_id INTEGER NOT NULL,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL
      ) STRICT;
      CREATE TABLE ledger_patients (
        address TEXT PRIMARY KEY,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL
      ) STRICT;
      CREATE TABLE ledger_reports (
        id         INTEGER PRIMARY KEY,
        patient    TEXT NOT NULL,
        commitment TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX ledger_reports_by_patient ON ledger_reports (patient, id);
      CREATE INDEX ledger_reports_by_commitment ON ledger_reports (commitment);
      CREATE TABLE ledger_grants (
        report_id   INTEGER NOT NULL,
        hospital_id INTEGER NOT NULL,
        active      INTEGER NOT NULL,
        changed_at  INTEGER NOT NULL,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL,
        PRIMARY KEY (report_id, hospital_id)
      ) STRICT;
      CREATE INDEX ledger_grants_by_hospital ON ledger_grants (hospital_id, active, report_id);
      CREATE TABLE ledger_prescriptions (
        report_id   INTEGER NOT NULL,
        idx         INTEGER NOT NULL,
        doctor      TEXT NOT NULL,
        hospital_id INTEGER NOT NULL,
        commitment  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL,
        PRIMARY KEY (report_id, idx)
      ) STRICT;
      CREATE INDEX ledger_prescriptions_by_commitment ON ledger_prescriptions (commitment);

      -- express-session's store.
      CREATE TABLE sessions (
        sid     TEXT PRIMARY KEY,
        data    TEXT NOT NULL,
        expires INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sessions_by_expiry ON sessions (expires);
    `,
  },
  {
    name: 'acts on the ledger',
    sql: `
      -- Every event of the contract as one act: the audit report and the patients' access logs.
      -- Personal data stays in users: here are only addresses, ids and the hospital's id.
      CREATE TABLE ledger_acts (
        tx_hash      TEXT NOT NULL,
        log_index    INTEGER NOT NULL,
        block_number INTEGER NOT NULL,
        time         INTEGER NOT NULL,
        act          TEXT NOT NULL CHECK (act IN ('hospital-added', 'doctor-added', 'patient-registered', 'report-added',
                                                'report-shared', 'report-revoked', 'prescribed', 'opened')),
        -- The acting account; NULL for the admin's acts, whose events do not name the admin.
        actor        TEXT,
        patient      TEXT,
        doctor       TEXT,
        report_id    INTEGER,
        hospital_id  INTEGER,
        PRIMARY KEY (tx_hash, log_index)
      ) STRICT;
      CREATE INDEX ledger_acts_by_time ON ledger_acts (block_number, log_index);
      CREATE INDEX ledger_acts_by_patient ON ledger_acts (patient, act, block_number);
      CREATE INDEX ledger_acts_by_actor ON ledger_acts (actor, block_number);

      -- The read model so far has no acts: catch up from the contract's first block again (every
      -- other table ignores events it has already applied).
      DELETE FROM settings WHERE key = 'projection.next_block';
    `,
  },
  {
    name: 'throttle counts, username reservations, hashed session ids',
    sql: `
      -- Login failures and signups, one row each, counted per key over a sliding window. Kept
      -- here rather than in memory so that a restart does not give a guesser a fresh allowance.
      -- Keys: 'account:<role>:<username>', 'address:<ip>', 'device:<tag>', 'signup:<ip>'.
      CREATE TABLE throttle_events (
        key TEXT NOT NULL,
        at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX throttle_events_by_key ON throttle_events (key, at);
      CREATE INDEX throttle_events_by_time ON throttle_events (at);

      -- A username held by a signup under way, inserted before any key is made or funded: of two
      -- signups of one name only one gets the row, the other a clean "taken". A row older than
      -- the signup timeout belongs to a signup that died and is taken over.
      CREATE TABLE username_reservations (
        username    TEXT PRIMARY KEY,
        reserved_at INTEGER NOT NULL
      ) STRICT;

      -- Sessions are keyed by the sha256 of their id from now on (a copy of the database must not
      -- give working cookies), and carry the user they belong to, so that a password change can
      -- end that user's other sessions. Rows keyed by clear ids cannot be found any more: drop them.
      DELETE FROM sessions;
      ALTER TABLE sessions ADD COLUMN user_key TEXT;
      CREATE INDEX sessions_by_user ON sessions (user_key);
    `,
  },
  {
    name: 'the second contract: organisations, staff, emergencies, grants with an end, purposes',
    sql: `
      -- The read model is the first contract's events as tables: the second contract's events
      -- make other rows, so the old tables go and the follower rebuilds the new ones from the
      -- ledger (the cursor is deleted below). Dropping a table drops its indexes.
      DROP TABLE ledger_hospitals;
      DROP TABLE ledger_doctors;
      DROP TABLE ledger_patients;
      DROP TABLE ledger_reports;
      DROP TABLE ledger_grants;
      DROP TABLE ledger_prescriptions;
      DROP TABLE ledger_acts;

      -- Hospitals, pharmacies and insurers (hospital_details keeps a hospital's address and phone).
      CREATE TABLE ledger_organisations (
        id   INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('hospital', 'pharmacy', 'insurer')),
        name TEXT NOT NULL,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL
      ) STRICT;
      -- One row per account that was ever staff: its latest organisation and role, and when it
      -- was removed (NULL while staff). block_number and tx_hash are the latest add or removal,
      -- so that an older event applied again never undoes a newer one.
      CREATE TABLE ledger_staff (
        address         TEXT PRIMARY KEY,
        organisation_id INTEGER NOT NULL,
        role            TEXT NOT NULL CHECK (role IN ('doctor', 'pharmacist', 'insurer')),
        removed_at      INTEGER,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX ledger_staff_by_organisation ON ledger_staff (organisation_id, role) WHERE removed_at IS NULL;
      CREATE TABLE ledger_patients (
        address TEXT PRIMARY KEY,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL
      ) STRICT;
      CREATE TABLE ledger_reports (
        id         INTEGER PRIMARY KEY,
        patient    TEXT NOT NULL,
        commitment TEXT NOT NULL,
        -- The block's time, or for a report of a first release, its time then.
        created_at INTEGER NOT NULL,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX ledger_reports_by_patient ON ledger_reports (patient, id);
      CREATE INDEX ledger_reports_by_commitment ON ledger_reports (commitment);
      -- A hospital's treatment grant: live while active and (until = 0 or until > now); an
      -- inactive grant was revoked at until.
      CREATE TABLE ledger_grants (
        report_id   INTEGER NOT NULL,
        hospital_id INTEGER NOT NULL,
        active      INTEGER NOT NULL,
        until       INTEGER NOT NULL DEFAULT 0,
        changed_at  INTEGER NOT NULL,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL,
        PRIMARY KEY (report_id, hospital_id)
      ) STRICT;
      -- A hospital's reports, newest first: the active grants, their ends read from the index.
      CREATE INDEX ledger_grants_live_by_hospital ON ledger_grants (hospital_id, report_id, until) WHERE active = 1;
      CREATE TABLE ledger_prescriptions (
        report_id   INTEGER NOT NULL,
        idx         INTEGER NOT NULL,
        doctor      TEXT NOT NULL,
        hospital_id INTEGER NOT NULL,
        commitment  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL,
        PRIMARY KEY (report_id, idx)
      ) STRICT;
      CREATE INDEX ledger_prescriptions_by_commitment ON ledger_prescriptions (commitment);
      -- Break-glass accesses: a doctor reads every report of a patient from start until "end"
      -- (exclusive); ended_early once the patient ended it, "end" then being when.
      CREATE TABLE ledger_emergencies (
        id          INTEGER PRIMARY KEY,
        patient     TEXT NOT NULL,
        doctor      TEXT NOT NULL,
        hospital_id INTEGER NOT NULL,
        start       INTEGER NOT NULL,
        "end"       INTEGER NOT NULL,
        reason_hash TEXT NOT NULL,
        ended_early INTEGER NOT NULL DEFAULT 0,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX ledger_emergencies_by_patient ON ledger_emergencies (patient, id);
      CREATE INDEX ledger_emergencies_by_doctor ON ledger_emergencies (doctor, id);
      CREATE INDEX ledger_emergencies_by_reason ON ledger_emergencies (reason_hash);

      -- Every event of the contract that is an act (domain/acts.ts), now with why a record was
      -- opened and what the act refers to (an emergency, a claim, a prescription's index).
      CREATE TABLE ledger_acts (
        tx_hash      TEXT NOT NULL,
        log_index    INTEGER NOT NULL,
        block_number INTEGER NOT NULL,
        time         INTEGER NOT NULL,
        act          TEXT NOT NULL CHECK (act IN ('organisation-added', 'staff-added', 'staff-removed', 'patient-registered',
                                                'report-added', 'report-shared', 'report-revoked', 'prescribed', 'opened',
                                                'emergency-opened', 'emergency-ended', 'prescription-sent',
                                                'prescription-withdrawn', 'dispensed', 'claim-filed', 'claim-decided')),
        -- The acting account; NULL for the admin's acts.
        actor        TEXT,
        patient      TEXT,
        doctor       TEXT,
        report_id    INTEGER,
        hospital_id  INTEGER,
        purpose      TEXT CHECK (purpose IN ('none', 'treatment', 'dispensing', 'payment', 'emergency')),
        ref          INTEGER,
        PRIMARY KEY (tx_hash, log_index)
      ) STRICT;
      CREATE INDEX ledger_acts_by_time ON ledger_acts (block_number, log_index);
      CREATE INDEX ledger_acts_by_patient ON ledger_acts (patient, act, block_number);
      CREATE INDEX ledger_acts_by_actor ON ledger_acts (actor, block_number);

      -- Bodies of emergency reasons and claim notes too. SQLite cannot change a CHECK: the table
      -- is made anew and its rows copied (SQLite's own recipe: new table, copy, drop, rename).
      CREATE TABLE bodies_new (
        commitment   TEXT PRIMARY KEY,
        kind         TEXT NOT NULL CHECK (kind IN ('report', 'prescription', 'emergency-reason', 'claim-note')),
        author       TEXT NOT NULL,
        envelope     TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'failed')),
        tx_hash      TEXT,
        block_number INTEGER,
        created_at   INTEGER NOT NULL
      ) STRICT;
      INSERT INTO bodies_new (commitment, kind, author, envelope, status, tx_hash, block_number, created_at)
        SELECT commitment, kind, author, envelope, status, tx_hash, block_number, created_at FROM bodies;
      DROP TABLE bodies;
      ALTER TABLE bodies_new RENAME TO bodies;
      CREATE INDEX bodies_unsettled ON bodies (status) WHERE status <> 'confirmed';

      -- Rebuild the read model from the contract's first block.
      DELETE FROM settings WHERE key = 'projection.next_block';
    `,
  },
  {
    name: "pharmacies, insurers and the admin's console",
    sql: `
      -- Pharmacists and insurers' staff sign in too; the admin sets one-time passwords (to be
      -- replaced at the next login) and sees when each user last signed in. SQLite cannot change
      -- a CHECK: the table is made anew and its rows copied with their ids (the UNIQUE indexes
      -- come with the new table, the foreign key to accounts too; no table refers to users).
      CREATE TABLE users_new (
        id                   INTEGER PRIMARY KEY,
        username             TEXT NOT NULL UNIQUE,
        password_hash        TEXT NOT NULL,
        role                 TEXT NOT NULL CHECK (role IN ('patient', 'doctor', 'pharmacist', 'insurer')),
        address              TEXT NOT NULL UNIQUE REFERENCES accounts (address),
        full_name            TEXT NOT NULL,
        email                TEXT NOT NULL,
        phone                TEXT NOT NULL DEFAULT '',
        specialty            TEXT NOT NULL DEFAULT '',
        -- The staff member's organisation (a hospital, pharmacy or insurer); NULL for a patient.
        hospital_id          INTEGER,
        created_at           INTEGER NOT NULL,
        must_change_password INTEGER NOT NULL DEFAULT 0,
        last_login_at        INTEGER
      ) STRICT;
      INSERT INTO users_new (id, username, password_hash, role, address, full_name, email, phone, specialty, hospital_id, created_at)
        SELECT id, username, password_hash, role, address, full_name, email, phone, specialty, hospital_id, created_at FROM users;
      DROP TABLE users;
      ALTER TABLE users_new RENAME TO users;

      -- Where each prescription was sent (one dispensing grant at a time: a new send replaces it),
      -- and its dispensing. Live while active and (until = 0 or until > now); an inactive one was
      -- withdrawn at until. block_number and tx_hash are the latest send or withdrawal, so that an
      -- older event applied again never undoes a newer one.
      CREATE TABLE ledger_dispatches (
        report_id    INTEGER NOT NULL,
        idx          INTEGER NOT NULL,
        pharmacy_id  INTEGER NOT NULL,
        until        INTEGER NOT NULL,
        active       INTEGER NOT NULL,
        dispensed_by TEXT,
        dispensed_at INTEGER,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL,
        PRIMARY KEY (report_id, idx)
      ) STRICT;
      -- A pharmacy's prescriptions, newest first: the active dispatches, in the index's order.
      CREATE INDEX ledger_dispatches_live_by_pharmacy ON ledger_dispatches (pharmacy_id, block_number, report_id, idx) WHERE active = 1;
      -- Claims on reports, and their decisions (approved_amount, decided_by, decided_at and
      -- note_hash stay NULL while open). block_number and tx_hash are the filing's.
      CREATE TABLE ledger_claims (
        id              INTEGER PRIMARY KEY,
        report_id       INTEGER NOT NULL,
        patient         TEXT NOT NULL,
        insurer_id      INTEGER NOT NULL,
        amount          INTEGER NOT NULL,
        filed_at        INTEGER NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('open', 'approved', 'rejected')),
        approved_amount INTEGER,
        decided_by      TEXT,
        decided_at      INTEGER,
        note_hash       TEXT,
        block_number INTEGER NOT NULL,
        tx_hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX ledger_claims_by_patient ON ledger_claims (patient, id);
      CREATE INDEX ledger_claims_by_insurer ON ledger_claims (insurer_id, id);
      CREATE INDEX ledger_claims_by_note ON ledger_claims (note_hash);

      -- The read model kept no sends, withdrawals, dispenses or claims: catch up from the
      -- contract's first block again (every other table ignores events it has already applied).
      DELETE FROM settings WHERE key = 'projection.next_block';
    `,
  },
  {
    name: 'attached files',
    sql: `
      -- Files attached to reports and prescriptions. Their bytes are encrypted elsewhere (a
      -- directory under DATA_DIR); their name, type, size and hash are in the body that lists
      -- them, so the body's commitment on the ledger covers them. commitment: that body's, NULL
      -- while the record is being written (a file never attached is swept).
      CREATE TABLE files (
        id         TEXT PRIMARY KEY,
        author     TEXT NOT NULL,
        commitment TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX files_by_commitment ON files (commitment);
    `,
  },
];
