/**
 * `mcp-authz rotate-keys`: a new current signing key for each algorithm of the Authorization
 * Server; the previous key stays published in the JWKS so tokens signed before the rotation keep
 * verifying until they expire. The running `serve` picks the new key up when it restarts.
 */
import { formatErrors } from '../config/format-errors.ts';
import { loadConfig } from '../config/load.ts';
import { rotateSigningKeys } from './keys/signing-keys.ts';

/** Rotate the keys of the AS configured in `configPath`; resolves with the exit code. */
export async function rotateKeysCommand(configPath: string): Promise<number> {
  const loaded = loadConfig(configPath, process.env);
  if (!loaded.ok) {
    process.stderr.write(formatErrors(loaded.errors).join('\n') + '\n');
    return 1;
  }
  const as = loaded.config.authorization_server;
  if (as === null) {
    process.stderr.write('authorization_server: is not configured, so there are no signing keys to rotate\n');
    return 1;
  }
  const rotated = await rotateSigningKeys(as.keys.dir, { rs256: as.keys.rs256 });
  if (!rotated.ok) {
    process.stderr.write(`authorization_server.keys.dir: ${rotated.error}\n`);
    return 1;
  }
  process.stdout.write(`new signing key(s): ${rotated.created.join(', ')}\npublished: ${rotated.keys.map((k) => `${k.kid} (${k.alg})`).join(', ')}\n` +
    'restart `mcp-authz serve` to sign with the new key\n');
  return 0;
}
