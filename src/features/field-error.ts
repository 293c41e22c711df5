/** A value the user gave that cannot be used, named by its form field (a 400 with the form again). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
