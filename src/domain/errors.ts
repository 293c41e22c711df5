/**
 * What a service says when it cannot do what it was asked, in words meant for the user. Services
 * throw these and never choose a status code: only `web/http-error.ts` turns them into pages
 * (NotFound → 404, Forbidden → 403, Conflict → 409, an uncaught FieldError → 400).
 */

/** Something asked for by its id does not exist (or is not the asker's to know about). */
export class NotFound extends Error {
  /** `what`: the kind of thing, as the page says it ("There is no such report."). */
  constructor(readonly what = 'page') {
    super(`There is no such ${what}.`);
    this.name = 'NotFound';
  }
}

/** The user may not see or do this. */
export class Forbidden extends Error {
  constructor(message = 'You do not have access to this page.') {
    super(message);
    this.name = 'Forbidden';
  }
}

/** The request clashes with the state things are in (it was valid, but not now). */
export class Conflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Conflict';
  }
}

/** A value the user gave that cannot be used, named by its form field (a 400 with the form again). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'FieldError';
  }
}

/**
 * An attached file that cannot be kept: a type not allowed (decided by its content, not its
 * name), too large, empty, or one too many for its record.
 */
export class FileRefused extends Error {
  constructor(
    readonly reason: 'type' | 'size' | 'empty' | 'count' | 'cut',
    message: string,
  ) {
    super(message);
    this.name = 'FileRefused';
  }
}

/**
 * A stored file withheld from its reader: its bytes no longer match the hash its record commits
 * to on the ledger (`tampered`), or they are gone from storage (`missing`).
 */
export class FileWithheld extends Error {
  constructor(
    readonly fileName: string,
    readonly state: 'tampered' | 'missing',
  ) {
    super(
      state === 'tampered'
        ? `The file "${fileName}" no longer matches the hash its record commits to on the ledger: it was changed after it was saved, and is withheld.`
        : `The file "${fileName}" is missing from storage.`,
    );
    this.name = 'FileWithheld';
  }
}
