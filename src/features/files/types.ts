/**
 * Which files a record may hold, decided by their content, never by their name alone: PDF, PNG,
 * JPEG (by their signatures, as the WHATWG MIME Sniffing standard lists them) and plain text
 * (UTF-8 with none of the standard's "binary data bytes", checked over the whole file). A name's
 * extension, when it has one, must agree with the content: a `.png` that is not a PNG is refused.
 *
 * Hand-written rather than a library: the four signatures are a few bytes each, and the one
 * check no sniffing library makes (that a whole stream is text) has to run on the stream anyway.
 */
import { FileRefused } from '../../domain/errors';
import { HIDDEN_CONTROLS } from '../../domain/text';

export const FILE_TYPES = {
  'application/pdf': { label: 'PDF', extensions: ['pdf'] },
  'image/png': { label: 'PNG image', extensions: ['png'] },
  'image/jpeg': { label: 'JPEG image', extensions: ['jpg', 'jpeg'] },
  'text/plain': { label: 'plain text', extensions: ['txt', 'text', 'csv', 'md', 'log'] },
} as const;

export type FileType = keyof typeof FILE_TYPES;

export const ALLOWED_TYPES = Object.keys(FILE_TYPES) as FileType[];

/** What the form's file input accepts (a hint to the browser; the server decides by content). */
export const ACCEPT = ALLOWED_TYPES.flatMap(type => [type, ...FILE_TYPES[type].extensions.map(ext => `.${ext}`)]).join(',');

export const ALLOWED_WORDS = 'PDF, PNG, JPEG or plain text';

export const isImage = (type: string): boolean => type === 'image/png' || type === 'image/jpeg';

const SIGNATURES: readonly { type: FileType; bytes: readonly number[] }[] = [
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
];
const SNIFF_BYTES = 8;

/** The standard's binary data bytes: a file with one is not text. */
const isBinaryByte = (byte: number) => byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f);

/**
 * A name as it may be shown and sent back in a header: no folders, no control characters, at most
 * 120 characters. Bidi overrides and isolates go too (domain/text.ts): `invoice\u202Etxt.exe` would
 * show as `invoiceexe.txt`, a name that lies about its extension, and unlike a form's field the
 * name cannot be sent back to be retyped, so it is cleaned rather than refused.
 */
export function cleanName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const name = base.normalize('NFC').replace(/[\u0000-\u001f\u007f-\u009f"]/g, '').replace(HIDDEN_CONTROLS, '').trim();
  if (!name) return 'file';
  if (name.length <= 120) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
  return name.slice(0, 120 - ext.length) + ext;
}

const extensionOf = (name: string): string | undefined => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : undefined;
};

function typeOfStart(start: Buffer): FileType | undefined {
  const signed = SIGNATURES.find(({ bytes }) => start.length >= bytes.length && bytes.every((byte, i) => start[i] === byte));
  return signed?.type;
}

function refuseType(name: string, found: string): never {
  throw new FileRefused('type', `"${name}" is ${found}: a record takes ${ALLOWED_WORDS} files only (the type is checked by the content, not the name).`);
}

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Decides a file's type as its bytes come: `take` each chunk in turn (`last` with the end) and
 * pass on what it returns (the first few bytes are held until the type is known). Throws
 * FileRefused ('type', or 'empty') as soon as the content shows it is not allowed.
 */
export function sniffer(name: string) {
  const extension = extensionOf(name);
  if (extension !== undefined && !ALLOWED_TYPES.some(type => (FILE_TYPES[type].extensions as readonly string[]).includes(extension))) {
    refuseType(name, `a .${extension} file`);
  }
  let start: Buffer = EMPTY;
  let type: FileType | undefined;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const checkText = (chunk: Buffer, last: boolean) => {
    if (chunk.some(isBinaryByte)) refuseType(name, 'not text (it holds binary bytes)');
    try {
      decoder.decode(chunk, { stream: !last });
    } catch {
      refuseType(name, 'not text (it is not valid UTF-8)');
    }
  };
  const decide = (): FileType => {
    const decided = typeOfStart(start) ?? 'text/plain';
    if (extension !== undefined && !(FILE_TYPES[decided].extensions as readonly string[]).includes(extension)) {
      refuseType(name, decided === 'text/plain' ? `not a ${extension.toUpperCase()} file by its content` : `a ${FILE_TYPES[decided].label} by its content, not a .${extension} file`);
    }
    return decided;
  };
  return {
    get type(): FileType | undefined {
      return type;
    },
    take(chunk: Buffer, last: boolean): Buffer {
      if (type === undefined) {
        start = start.length === 0 ? chunk : Buffer.concat([start, chunk]);
        if (start.length < SNIFF_BYTES && !last) return EMPTY;
        if (start.length === 0) throw new FileRefused('empty', `"${name}" is empty.`);
        type = decide();
        const held = start;
        start = EMPTY;
        if (type === 'text/plain') checkText(held, last);
        return held;
      }
      if (type === 'text/plain') checkText(chunk, last);
      return chunk;
    },
  };
}

/** Passes a file's chunks through `sniffer`; `found` hears the type once it is known. */
export async function* sniffed(name: string, chunks: AsyncIterable<Buffer>, found: (type: FileType) => void): AsyncGenerator<Buffer> {
  const sniff = sniffer(name);
  let told = false;
  const pass = (out: Buffer) => {
    if (!told && sniff.type) {
      told = true;
      found(sniff.type);
    }
    return out;
  };
  for await (const chunk of chunks) {
    const out = pass(sniff.take(chunk, false));
    if (out.length > 0) yield out;
  }
  const out = pass(sniff.take(EMPTY, true));
  if (out.length > 0) yield out;
}

/** The type of a file held whole (an attachment of an imported bundle); FileRefused as `sniffer`. */
export function typeOfBytes(name: string, bytes: Buffer): FileType {
  const sniff = sniffer(name);
  sniff.take(bytes, true);
  return sniff.type as FileType;
}

/** Whether a name ends in the extension of an allowed type. */
export function hasAllowedExtension(name: string): boolean {
  const extension = extensionOf(name);
  return extension !== undefined && ALLOWED_TYPES.some(t => (FILE_TYPES[t].extensions as readonly string[]).includes(extension));
}

/** A file's name with the extension of its type when it has none of the allowed ones (an imported attachment's title). */
export const nameWithExtension = (name: string, type: FileType): string => (hasAllowedExtension(name) ? name : `${name}.${FILE_TYPES[type].extensions[0]}`);
