// A raw client connection that sends at its own pace (slowloris heads, stalled or trickled bodies) and records
// what the server answered and when it closed the connection.
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  socket: Socket;
  /** Everything received so far, latin1. */
  received(): string;
  /** Status of the first response received, or null. */
  status(): number | null;
  /** Resolves when the connection closes (either side, or reset): milliseconds since it opened. */
  closed: Promise<number>;
  /** Resolves at the first byte received (or at close): milliseconds since the connection opened. */
  answered: Promise<number>;
  /** Writes `bytes` a piece at a time, one piece every `everyMs`, until done or the connection closes. */
  trickle(bytes: string, everyMs: number, pieceSize?: number): Promise<void>;
}

export function openRaw(port: number, host = '127.0.0.1'): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const started = performance.now();
    let data = '';
    socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
    socket.on('error', () => {}); // a reset is an answer too: `closed` reports it
    const closed = new Promise<number>((done) => socket.once('close', () => done(performance.now() - started)));
    const answered = new Promise<number>((done) => {
      socket.once('data', () => done(performance.now() - started));
      socket.once('close', () => done(performance.now() - started));
    });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({
        socket,
        received: () => data,
        status: () => {
          const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
          return m ? Number(m[1]) : null;
        },
        closed,
        answered,
        async trickle(bytes, everyMs, pieceSize = 1) {
          for (let i = 0; i < bytes.length && !socket.destroyed && socket.writable; i += pieceSize) {
            socket.write(bytes.slice(i, i + pieceSize));
            if (i + pieceSize < bytes.length) await new Promise((r) => setTimeout(r, everyMs));
          }
        },
      });
    });
    socket.once('error', reject);
  });
}

/** Statuses of every response in a raw byte stream (pipelined answers), in order. */
export function statuses(raw: string): number[] {
  return [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}
