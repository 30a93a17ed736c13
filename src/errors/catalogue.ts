// Every error the gateway can answer with: one row per stable code. docs/errors.md mirrors this table
// and a test keeps the two in step. `message` is Kong's own text where Kong refuses the same request,
// because clients written against Kong parse it.

export interface ErrorSpec {
  readonly status: number;
  readonly title: string;
  readonly message: string;
}

export const catalogue = {
  // --- request framing and routing -------------------------------------------------------------
  BAD_REQUEST: { status: 400, title: 'Malformed request', message: 'Bad request' },
  PATH_AMBIGUOUS: { status: 400, title: 'Ambiguous or unsafe request path', message: 'Bad request' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large', message: 'Request header or cookie too large' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No route matched', message: 'no Route matched with those values' },
  SERVICE_NOT_FOUND: { status: 503, title: 'Route has no service', message: 'no Service found with those values' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed on this route', message: 'Method not allowed' },
  REQUEST_TOO_LARGE: { status: 413, title: 'Request body too large', message: 'Request size limit exceeded' },
  LENGTH_REQUIRED: { status: 411, title: 'Content-Length required', message: 'A valid Content-Length header is required' },
  EXPECTATION_FAILED: { status: 417, title: 'Request body too large; 100-continue refused', message: 'Request size limit exceeded' },
  HTTPS_REDIRECT: { status: 301, title: 'Redirect to HTTPS', message: 'Moved Permanently' },
  PROTOCOL_NOT_ALLOWED: { status: 426, title: 'HTTPS required', message: 'Please use HTTPS protocol' },

  // --- spoofable headers and Host parsing (issue 7) -------------------------------------------------
  HOST_INVALID: { status: 400, title: 'Host header is not a valid host and port', message: 'Bad request' },
  METHOD_OVERRIDE_REFUSED: { status: 400, title: 'Method override header on a route with per-method access rules', message: 'Bad request' },
  // --- edge: client timeouts and request-line limits (nginx's client_*_timeout, large_client_header_buffers) ---
  REQUEST_TIMEOUT: { status: 408, title: 'Client too slow sending the request', message: 'Request timeout' },
  URI_TOO_LONG: { status: 414, title: 'Request target too long', message: 'URI too long' },

  // --- authentication ----------------------------------------------------------------------------
  UNAUTHORIZED: { status: 401, title: 'Authentication required', message: 'Unauthorized' },
  JWT_MULTIPLE_TOKENS: { status: 401, title: 'More than one token in the request', message: 'Multiple tokens provided' },
  JWT_MALFORMED: { status: 401, title: 'Token cannot be decoded', message: 'Bad token; invalid JSON' },
  JWT_TOO_LARGE: { status: 401, title: 'Token too large', message: 'Bad token; too large' },
  JWT_MISSING_KEY_CLAIM: { status: 401, title: 'Token lacks the claim that names its credential', message: "No mandatory 'iss' in claims" },
  JWT_NO_CREDENTIAL: { status: 401, title: 'No credential for the token', message: "No credentials found for given 'iss'" },
  JWT_INVALID_ALGORITHM: { status: 401, title: 'Token algorithm not allowed', message: 'Invalid algorithm' },
  JWT_INVALID_KEY: { status: 401, title: 'Credential key unusable', message: 'Invalid key/secret' },
  JWT_INVALID_SIGNATURE: { status: 401, title: 'Token signature invalid', message: 'Invalid signature' },
  JWT_UNKNOWN_KID: { status: 401, title: 'Token signed by an unknown key', message: 'Invalid signature' },
  JWT_EXPIRED: { status: 401, title: 'Token expired', message: 'token expired' },
  JWT_NOT_YET_VALID: { status: 401, title: 'Token not valid yet', message: 'token not valid yet' },
  JWT_CLAIM_INVALID: { status: 401, title: 'Token claim invalid', message: 'Unauthorized' },
  JWT_EXPIRATION_TOO_LONG: { status: 401, title: 'Token lifetime exceeds the maximum', message: 'exceeds maximum allowed expiration' },
  JWT_ISSUER_INVALID: { status: 401, title: 'Token issuer not trusted', message: 'Unauthorized' },
  JWT_AUDIENCE_INVALID: { status: 401, title: 'Token audience invalid', message: 'Unauthorized' },
  JWT_NO_CONSUMER: { status: 401, title: 'No consumer for the token', message: 'Unauthorized' },
  JWKS_UNAVAILABLE: { status: 503, title: 'Signing keys unavailable', message: 'An unexpected error occurred' },
  // jwt strictness (issue 7): claims and header members Kong does not check
  JWT_ISSUED_IN_FUTURE: { status: 401, title: 'Token issued in the future', message: 'token issued in the future' },
  JWT_TYPE_INVALID: { status: 401, title: 'Token type not accepted', message: 'Bad token; invalid typ' },
  KEY_AUTH_MISSING: { status: 401, title: 'API key missing', message: 'No API key found in request' },
  KEY_AUTH_DUPLICATE: { status: 401, title: 'More than one API key in the request', message: 'Duplicate API key found' },
  KEY_AUTH_INVALID: { status: 401, title: 'API key invalid', message: 'Unauthorized' },
  BASIC_AUTH_MISSING: { status: 401, title: 'Basic credentials missing', message: 'Unauthorized' },
  BASIC_AUTH_INVALID: { status: 401, title: 'Basic credentials malformed, unknown or wrong', message: 'Unauthorized' },
  BASIC_AUTH_BUSY: { status: 503, title: 'Too many password checks waiting; retry shortly', message: 'An unexpected error occurred' },
  // hmac-auth: Kong's four messages; a body that does not match its Digest shares the mismatch message, as in Kong
  HMAC_AUTH_MISSING: { status: 401, title: 'HMAC credentials missing', message: 'Unauthorized' },
  HMAC_AUTH_DATE_INVALID: {
    status: 401,
    title: 'Date or X-Date missing or outside the allowed clock skew',
    message: 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication',
  },
  HMAC_AUTH_INVALID: { status: 401, title: 'HMAC credentials malformed, not accepted or unknown', message: 'HMAC signature cannot be verified' },
  HMAC_AUTH_SIGNATURE_MISMATCH: { status: 401, title: 'HMAC signature does not match', message: 'HMAC signature does not match' },
  HMAC_AUTH_DIGEST_MISMATCH: { status: 401, title: 'Request body does not match its Digest', message: 'HMAC signature does not match' },

  // --- anonymous consumers (key-auth/acl parity) ---------------------------------------------------
  ANONYMOUS_CONSUMER_MISSING: {
    status: 500,
    title: 'Configured anonymous consumer does not exist',
    message: "anonymous consumer {anonymous} is configured but doesn't exist",
  },

  // --- authorization and traffic control ----------------------------------------------------------
  ACL_FORBIDDEN: { status: 403, title: 'Consumer not allowed on this route', message: 'You cannot consume this service' },
  ACL_METHOD_FORBIDDEN: { status: 403, title: 'Consumer not allowed to use this method here', message: 'You cannot consume this service' },
  ACL_NO_CONSUMER: { status: 401, title: 'ACL needs an authenticated consumer', message: 'Unauthorized' },
  IP_FORBIDDEN: { status: 403, title: 'Client address not allowed', message: 'IP address not allowed: {client ip}' },
  RATE_LIMITED: { status: 429, title: 'Rate limit exceeded', message: 'API rate limit exceeded' },
  RATE_LIMIT_IDENTIFIER_MISSING: { status: 500, title: 'Rate limit identifier missing', message: 'An unexpected error occurred' },
  RATE_LIMIT_STORE_UNAVAILABLE: { status: 500, title: 'Rate-limit counters unavailable', message: 'An unexpected error occurred' },

  // --- upstream ----------------------------------------------------------------------------------
  UPSTREAM_UNAVAILABLE: { status: 502, title: 'Upstream connection failed', message: 'An invalid response was received from the upstream server' },
  UPSTREAM_TIMEOUT: { status: 504, title: 'Upstream timed out', message: 'The upstream server is timing out' },
  UPSTREAM_NO_TARGETS: { status: 503, title: 'No healthy upstream target', message: 'failure to get a peer from the ring-balancer' },

  // --- WebSocket proxying --------------------------------------------------------------------------
  WEBSOCKET_REQUIRED: { status: 426, title: 'Route serves WebSocket handshakes only', message: 'Upgrade required' },
  WEBSOCKET_HANDSHAKE_INVALID: { status: 400, title: 'Malformed WebSocket handshake', message: 'Bad request' },

  // --- Kong's proxy specs (issue 7): what nginx refuses before Kong runs ------------------------------
  TRACE_NOT_ALLOWED: { status: 405, title: 'TRACE is never proxied (cross-site tracing)', message: 'Method not allowed' },

  // --- admin API (Kong's messages) ----------------------------------------------------------------
  ADMIN_UNAUTHORIZED: { status: 401, title: 'Admin token missing or invalid', message: 'Unauthorized' },
  ADMIN_FORBIDDEN: { status: 403, title: 'Admin token role does not allow this', message: 'Forbidden' },
  ADMIN_NOT_FOUND: { status: 404, title: 'No such entity or endpoint', message: 'Not found' },
  ADMIN_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed on this admin endpoint', message: 'Method not allowed' },
  ADMIN_MALFORMED_BODY: { status: 400, title: 'Request body cannot be parsed', message: 'Cannot parse JSON body' },
  ADMIN_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported request body type', message: 'Unsupported Content-Type' },
  ADMIN_BODY_TOO_LARGE: { status: 413, title: 'Admin request body too large', message: 'Request body too large' },
  ADMIN_INVALID_QUERY: { status: 400, title: 'Invalid query parameter', message: 'invalid query parameter' },
  ADMIN_SCHEMA_VIOLATION: { status: 400, title: 'Entity fails its schema', message: 'schema violation' },
  ADMIN_UNIQUE_VIOLATION: { status: 409, title: 'Unique field already used', message: 'UNIQUE violation detected' },
  ADMIN_FOREIGN_KEY_VIOLATION: { status: 400, title: 'Reference to a missing entity', message: 'foreign key violation' },
  ADMIN_REFERENCED: { status: 400, title: 'Entity still referenced', message: 'an existing entity references this entity' },
  ADMIN_CONFIG_REFUSED: { status: 400, title: 'Configuration would not build', message: 'declarative config is invalid' },
  ADMIN_DB_LESS_READ_ONLY: {
    status: 405,
    title: 'Read-only in DB-less mode',
    message: 'cannot create, update or delete entities when running in DB-less mode; use POST /config',
  },
  ADMIN_DB_MODE_ONLY_DBLESS: {
    status: 400,
    title: 'Endpoint only available in DB-less mode',
    message: 'this endpoint is only available when Kong is configured to not use a database',
  },
  ADMIN_TOKENS_DB_LESS: {
    status: 405,
    title: 'Admin tokens are configured, not stored, in DB-less mode',
    message: 'admin tokens can only be managed when running with a database',
  },
  ADMIN_LAST_ADMIN_TOKEN: { status: 400, title: 'Would delete the last admin token', message: 'cannot delete the last admin token' },
  ADMIN_NOT_READY: { status: 503, title: 'Node not ready to serve traffic', message: 'not ready' },
  STORE_UNAVAILABLE: { status: 503, title: 'Database unreachable', message: 'database unavailable' },
  STORE_BUSY: { status: 503, title: 'Every database connection busy; retry shortly', message: 'database busy' },
  STORE_CONFLICT: { status: 409, title: 'Concurrent write conflict; retry', message: 'concurrent modification; retry' },

  // --- admin data validation (identities) ---------------------------------------------------------
  ADMIN_LOOKALIKE_VIOLATION: {
    status: 409,
    title: 'Name looks like an existing one',
    message: 'a name that looks the same (case, width, lookalike letters) is already used',
  },

  // --- internal ----------------------------------------------------------------------------------
  INTERNAL: { status: 500, title: 'Internal gateway error', message: 'An unexpected error occurred' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof catalogue;
