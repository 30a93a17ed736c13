// multipart/form-data (RFC 7578) for plugins: a small parser over an already bounded, buffered body, and
// a writer that keeps every part nobody touched byte for byte (file parts keep their filename and type).

/** More parts than this and the body is treated as unreadable: parsing stays cheap whatever a client sends. */
export const MAX_PARTS = 1000;
const MAX_PART_HEAD = 16 * 1024;

export interface MultipartPart {
  /** The `name` of its Content-Disposition; null when it has none. */
  name: string | null;
  /** The part's content. */
  value: Buffer;
  /** Head and content as received (null for parts a plugin wrote). */
  raw: Buffer | null;
}

export class MultipartBody {
  boundary: string;
  readonly parts: MultipartPart[];

  constructor(boundary: string, parts: MultipartPart[]) {
    this.boundary = boundary;
    this.parts = parts;
  }

  /** Parses `body`; null when the content type names no boundary or the body is not well-formed multipart. */
  static parse(body: Buffer, contentType: string): MultipartBody | null {
    const boundary = boundaryOf(contentType);
    if (boundary === null) return null;
    if (body.length === 0) return new MultipartBody(boundary, []);
    const delimiter = Buffer.from(`--${boundary}`);
    let at = body.indexOf(delimiter);
    // The first delimiter opens the body or a line (after a preamble).
    if (at === -1 || (at !== 0 && (body[at - 2] !== 0x0d || body[at - 1] !== 0x0a))) return null;
    const next = Buffer.from(`\r\n--${boundary}`);
    const parts: MultipartPart[] = [];
    for (;;) {
      at += delimiter.length;
      if (body[at] === 0x2d && body[at + 1] === 0x2d) return new MultipartBody(boundary, parts); // closing `--`
      at = skipLinearSpace(body, at);
      if (body[at] !== 0x0d || body[at + 1] !== 0x0a) return null;
      const start = at + 2;
      const end = body.indexOf(next, start);
      if (end === -1 || parts.length >= MAX_PARTS) return null;
      const raw = body.subarray(start, end);
      let head = '';
      let value: Buffer;
      if (raw[0] === 0x0d && raw[1] === 0x0a)
        value = raw.subarray(2); // a part without headers
      else {
        const headEnd = raw.indexOf('\r\n\r\n');
        if (headEnd === -1 || headEnd > MAX_PART_HEAD) return null;
        head = raw.subarray(0, headEnd).toString('latin1');
        value = raw.subarray(headEnd + 4);
      }
      parts.push({ name: dispositionName(head), value, raw });
      at = end + 2;
    }
  }

  /** The parts named `name`. */
  named(name: string): MultipartPart[] {
    return this.parts.filter((p) => p.name === name);
  }

  has(name: string): boolean {
    return this.parts.some((p) => p.name === name);
  }

  /** Removes every `name` part; true when there was one. */
  remove(name: string): boolean {
    const before = this.parts.length;
    for (let i = this.parts.length - 1; i >= 0; i--) if (this.parts[i]?.name === name) this.parts.splice(i, 1);
    return this.parts.length !== before;
  }

  /** Sets a plain text field: replaces the first `name` part (dropping the others) or adds one at the end. */
  set(name: string, value: string): void {
    const part: MultipartPart = { name, value: Buffer.from(value), raw: null };
    const first = this.parts.findIndex((p) => p.name === name);
    if (first === -1) {
      this.parts.push(part);
      return;
    }
    this.remove(name);
    this.parts.splice(first, 0, part);
  }

  /**
   * The body to send. When a written value contains the boundary, a fresh boundary is chosen (so a value
   * can never end its part early and smuggle in another): `boundary` then differs from the client's.
   */
  serialize(): Buffer {
    const clashes = (b: string) => this.parts.some((p) => (p.raw === null ? p.value : p.raw).includes(`--${b}`));
    if (this.parts.some((p) => p.raw === null && p.value.includes(`--${this.boundary}`))) {
      do this.boundary = `portcullis-${crypto.randomUUID()}`;
      while (clashes(this.boundary));
    }
    const out: Buffer[] = [];
    for (const p of this.parts) {
      out.push(Buffer.from(`--${this.boundary}\r\n`));
      out.push(p.raw ?? Buffer.concat([Buffer.from(`Content-Disposition: form-data; name="${quoteName(p.name ?? '')}"\r\n\r\n`), p.value]));
      out.push(Buffer.from('\r\n'));
    }
    out.push(Buffer.from(`--${this.boundary}--\r\n`));
    return Buffer.concat(out);
  }

  /** `contentType` with this body's boundary (a new one when serialize() had to choose one). */
  contentType(contentType: string): string {
    const original = boundaryOf(contentType);
    if (original === this.boundary) return contentType;
    return `multipart/form-data; boundary=${this.boundary}`;
  }
}

/** The boundary parameter of a multipart content type (RFC 2046: 1 to 70 characters), or null. */
export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(?:;|$)/i.exec(contentType);
  return m ? (m.at(1) ?? m.at(2) ?? null) : null;
}

function dispositionName(head: string): string | null {
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
    const m = /;\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))/i.exec(line.slice(colon + 1));
    if (!m) return null;
    const quoted = m.at(1);
    return quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (m.at(2) ?? null);
  }
  return null;
}

/** RFC 7578 §4.2 / HTML: quotes and line breaks in a field name are percent-encoded. */
function quoteName(name: string): string {
  return name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function skipLinearSpace(body: Buffer, at: number): number {
  while (body[at] === 0x20 || body[at] === 0x09) at++;
  return at;
}
