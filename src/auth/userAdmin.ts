/**
 * Account administration used by `sac-gateway users ...`: change a password,
 * disable or enable an account. Writes go through the store port; every
 * change to users bumps the store's users epoch, so a running gateway on the
 * same store refuses the old password on its very next request.
 */
import type { CertificateStore } from '../store/port.js';
import { GatewayError } from '../errors.js';
import { credentialProblem } from './credentials.js';
import { disabledHash, enabledHash, hashSecret, isDisabledHash } from './passwords.js';

/** New passwords: at least this many characters (the demo ones have 16+). */
export const MIN_NEW_PASSWORD_CHARS = 12;

/** An account command that cannot be carried out (no such user, unusable password). */
export class UserAdminError extends GatewayError {
  readonly name = 'UserAdminError';
  readonly code = 'SAC_AUTH_USER_ADMIN';
}

export type AccountChange = { readonly username: string; readonly disabled: boolean };

function existing(store: CertificateStore, username: string) {
  const user = store.findUser(username);
  if (!user) throw new UserAdminError(`no such user: ${username.slice(0, 64)}`);
  return user;
}

/** Store a new password hash; a disabled account stays disabled (with the new password behind the lock). */
export function changePassword(store: CertificateStore, username: string, password: string): AccountChange {
  const problem = credentialProblem(username, password);
  if (problem) throw new UserAdminError(problem);
  if ([...password].length < MIN_NEW_PASSWORD_CHARS) throw new UserAdminError(`password must have at least ${MIN_NEW_PASSWORD_CHARS} characters`);
  const user = existing(store, username);
  const disabled = isDisabledHash(user.passwordHash);
  const fresh = hashSecret(password);
  store.putUser({ ...user, passwordHash: disabled ? disabledHash(fresh) : fresh });
  return { username, disabled };
}

/** Disable (nothing verifies) or enable again (the same password as before works again). */
export function setDisabled(store: CertificateStore, username: string, disabled: boolean): AccountChange {
  const user = existing(store, username);
  const passwordHash = disabled ? disabledHash(user.passwordHash) : enabledHash(user.passwordHash);
  if (passwordHash !== user.passwordHash) store.putUser({ ...user, passwordHash });
  return { username, disabled };
}
