/**
 * A report's fields as every form that makes one checks them (the patient's form, a FHIR
 * import): the same limits and refusals wherever a report comes from.
 */
import { z } from 'zod';
import { parseForm, text, type Parsed } from '../../web/validate';

export const MAX_TITLE = 120;
export const MAX_DETAILS = 5000;

/** Title, disease and details, trimmed, within their limits, free of the forbidden characters. */
export const REPORT_FIELDS = z.object({
  title: text('Title', 1, MAX_TITLE),
  disease: text('Disease', 1, MAX_TITLE),
  details: text('Details', 1, MAX_DETAILS),
});

export type ReportFields = z.infer<typeof REPORT_FIELDS>;

/** The fields checked, or what is wrong with each. */
export const checkReportFields = (fields: unknown): Parsed<ReportFields> => parseForm(REPORT_FIELDS, fields);
