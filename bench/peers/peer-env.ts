// Settings every peer gateway reads from its environment (set by bench/run.ts when it spawns the peer).
export interface PeerEnv {
  port: number;
  upstreamUrl: string;
  alg: 'HS256' | 'ES256';
  /** HS256: the shared secret; ES256: the SPKI public key in PEM. */
  key: string;
}

export function readPeerEnv(): PeerEnv {
  const { PORT, UPSTREAM_URL, BENCH_ALG, BENCH_KEY } = process.env;
  if (!PORT || !UPSTREAM_URL || !BENCH_KEY || (BENCH_ALG !== 'HS256' && BENCH_ALG !== 'ES256')) {
    throw new Error('peer needs PORT, UPSTREAM_URL, BENCH_ALG (HS256|ES256) and BENCH_KEY');
  }
  return { port: Number(PORT), upstreamUrl: UPSTREAM_URL, alg: BENCH_ALG, key: BENCH_KEY };
}

/** Minimal typing of jsonwebtoken (the package ships no types and @types/jsonwebtoken is not installed). */
export interface JsonWebToken {
  verify(token: string, key: string | import('node:crypto').KeyObject, options: { algorithms: string[] }): unknown;
}
