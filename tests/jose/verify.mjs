// Verifies a goodstanding .jws with a stock JOSE library (panva/jose) and the issuer's public JWK.
// Usage: node verify.mjs CERT.jws ISSUER.pub.jwk
// Prints {"header": ..., "payload": ...} and exits 0 when the signature verifies; exits 1 if not.
import { readFileSync } from 'node:fs';
import { compactVerify, importJWK } from 'jose';

const [jwsPath, jwkPath] = process.argv.slice(2);
const jws = readFileSync(jwsPath, 'utf8').trim();
const jwk = JSON.parse(readFileSync(jwkPath, 'utf8'));
try {
  const key = await importJWK(jwk, 'EdDSA');
  const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: ['EdDSA'] });
  const text = new TextDecoder().decode(payload);
  console.log(JSON.stringify({ header: protectedHeader, payload: JSON.parse(text) }));
} catch (error) {
  console.error(`not verified: ${error.code ?? error.message}`);
  process.exit(1);
}
