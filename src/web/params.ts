/** Ids in paths: a positive whole number, or the page does not exist. */
import type { Request } from 'express';
import { notFound } from './http-error';

export function pathId(req: Request, name = 'id'): number {
  const raw = req.params[name];
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,9}$/.test(raw) || Number(raw) > 0xffffffff) throw notFound();
  return Number(raw);
}
