// A real WebSocket upstream for tests (RFC 6455, no library): echoes text and binary messages, answers pings,
// records every handshake it accepts, and can refuse handshakes or close from its side on demand.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface RecordedHandshake {
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
}

export interface WebSocketEcho {
  port: number;
  handshakes: RecordedHandshake[];
  /** Answer the next handshakes with this status and body instead of 101 (null: accept). */
  refuseWith: { status: number; body: string; headers?: Record<string, string> } | null;
  /** Extra headers on the 101. */
  extraHeaders: Record<string, string>;
  /** Accept the TCP connection but never answer the handshake. */
  silent: boolean;
  /** Sockets open on the upstream's side. */
  connections(): Promise<number>;
  /** Send a close frame on every open WebSocket and end the connections (the upstream going away). */
  closeAll(): void;
  close(): Promise<void>;
}

export async function startWebSocketEcho(options: { tls?: { cert: string; key: string } } = {}): Promise<WebSocketEcho> {
  const sockets = new Set<Socket>();
  const server: Server = options.tls ? (createTlsServer({ cert: options.tls.cert, key: options.tls.key }) as unknown as Server) : createServer();
  const state: WebSocketEcho = {
    port: 0,
    handshakes: [],
    refuseWith: null,
    extraHeaders: {},
    silent: false,
    connections: () => new Promise((resolve) => server.getConnections((err, n) => resolve(err ? -1 : n))),
    closeAll() {
      for (const s of sockets) s.end(frame(0x8, Buffer.from([0x03, 0xe8])));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('request', (_req, res) => {
    res.writeHead(426, { upgrade: 'websocket', connection: 'Upgrade', 'content-type': 'text/plain' });
    res.end('websocket only');
  });
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    socket.on('end', () => socket.end()); // node:http sockets allow half-open: the peer leaving must close ours
    if (state.silent) return;
    state.handshakes.push({ url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    const refuse = state.refuseWith;
    if (refuse) {
      const headers = Object.entries(refuse.headers ?? {})
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.end(
        `HTTP/1.1 ${refuse.status} Refused\r\ncontent-type: text/plain\r\n${headers}content-length: ${Buffer.byteLength(refuse.body)}\r\nconnection: close\r\n\r\n${refuse.body}`,
      );
      return;
    }
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    const extra = Object.entries(state.extraHeaders)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${extra}\r\n`);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    echo(socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

/** Reads client frames (masked), echoes data frames, answers ping with pong and close with close. */
function echo(socket: Socket, head: Buffer): void {
  let buffer = head;
  const onData = (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      const parsed = parseFrame(buffer);
      if (parsed === null) return;
      buffer = buffer.subarray(parsed.size);
      if (parsed.opcode === 0x8) {
        socket.end(frame(0x8, parsed.payload.subarray(0, 2)));
        return;
      }
      if (parsed.opcode === 0x9) socket.write(frame(0xa, parsed.payload));
      else if (parsed.opcode === 0x1 || parsed.opcode === 0x2) socket.write(frame(parsed.opcode, parsed.payload));
    }
  };
  socket.on('data', onData);
  if (head.length > 0) onData(Buffer.alloc(0));
}

export function parseFrame(b: Buffer): { opcode: number; payload: Buffer; size: number } | null {
  if (b.length < 2) return null;
  const opcode = b[0]! & 0x0f;
  const masked = (b[1]! & 0x80) !== 0;
  let length = b[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (b.length < 4) return null;
    length = b.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (b.length < 10) return null;
    length = Number(b.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (b.length < offset + length) return null;
  const payload = Buffer.from(b.subarray(offset, offset + length));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= b[maskOffset + (i % 4)]!;
  return { opcode, payload, size: offset + length };
}

/** A server frame (unmasked, FIN set). */
export function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const header =
    len < 126
      ? Buffer.from([0x80 | opcode, len])
      : len < 65536
        ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLength(len)]);
  return Buffer.concat([header, payload]);
}

function bigLength(len: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(len));
  return b;
}
