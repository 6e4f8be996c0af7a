// An OpenID Connect provider for the identity tests: npm's oauth2-mock-server (discovery, JWKS,
// token endpoint) on a free port, driven over stdin/stdout with one JSON object per line.
//   node oidc_provider.mjs <npm prefix holding oauth2-mock-server> [<TLS key file> <TLS certificate file>]
// (with the key and certificate, it serves HTTPS).
// Prints {"issuer": URL, "kid": first key} once listening, then answers each request line:
//   {"op": "add-key", "alg": "RS256"|"ES256"|"EdDSA"}        -> {"kid"}  (a new key, published in the JWKS)
//   {"op": "token", "kid", "claims", "ttl"}                   -> {"token"} (signed by the provider)
//   {"op": "raw", "kid", "header", "claims"}                  -> {"token"} (any header, signed with the key)
// The token endpoint (POST /token) adds the form field `chain_claims` (JSON) to the claims.
import { createPrivateKey, sign } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [prefix, tlsKey, tlsCert] = process.argv.slice(2);
const { OAuth2Server } = await import(
  pathToFileURL(join(prefix, 'node_modules', 'oauth2-mock-server', 'dist', 'index.mjs')).href
);

const keys = new Map();
const server = new OAuth2Server(tlsKey, tlsCert);
const addKey = async (alg) => {
  const jwk = await server.issuer.keys.generate(alg);
  keys.set(jwk.kid, jwk);
  return jwk.kid;
};
const first = await addKey('RS256');
server.service.on('beforeTokenSigning', (token, req) => {
  if (req.body && typeof req.body.chain_claims === 'string') {
    Object.assign(token.payload, JSON.parse(req.body.chain_claims));
  }
});
await server.start(0, '127.0.0.1');

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const rawToken = (kid, header, claims) => {
  const jwk = keys.get(kid);
  const input = `${b64(header)}.${b64(claims)}`;
  const key = createPrivateKey({ key: jwk, format: 'jwk' });
  const signature =
    jwk.kty === 'EC'
      ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : sign(jwk.kty === 'OKP' ? null : 'sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
};

const answer = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
answer({ issuer: server.issuer.url, kid: first });

for await (const line of createInterface({ input: process.stdin })) {
  try {
    const req = JSON.parse(line);
    if (req.op === 'add-key') {
      answer({ kid: await addKey(req.alg) });
    } else if (req.op === 'token') {
      const token = await server.issuer.buildToken({
        kid: req.kid,
        expiresIn: req.ttl ?? 3600,
        scopesOrTransform: (_header, payload) => Object.assign(payload, req.claims),
      });
      answer({ token });
    } else if (req.op === 'raw') {
      answer({ token: rawToken(req.kid, req.header, req.claims) });
    } else {
      answer({ error: `unknown op ${req.op}` });
    }
  } catch (e) {
    answer({ error: String(e) });
  }
}
await server.stop();
