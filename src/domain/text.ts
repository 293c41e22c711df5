/**
 * Characters no text of the app may carry as it was sent: the bidirectional overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069), which make text read differently from what it is
 * ("Trojan Source": a name or a dosage shown reversed, `x\u202Efdp.exe` shown as `xexe.pdf`), and NUL,
 * which C libraries (bcrypt among them) take as the end. A form's field holding one is refused
 * (web/validate.ts); an uploaded file's name, which the user cannot retype, loses them
 * (features/files/types.ts).
 */
// eslint-disable-next-line no-control-regex -- NUL is matched on purpose
export const HIDDEN_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u0000]/g;
