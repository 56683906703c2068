/**
 * Account administration used by `sac-gateway users ...`: add and list
 * users, change a password or a doctor's pincode, change what a user is
 * registered with (region, ASL, structure), disable or enable an account.
 * Writes go through the store port; every
 * change to users bumps the store's users epoch, so a running gateway on the
 * same store refuses the old password on its very next request.
 */
import type { UserKind, UserRecord, UserStore } from '../store/port.js';
import { GatewayError } from '../errors.js';
import { credentialProblem } from './credentials.js';
import { disabledHash, enabledHash, hashSecret, isDisabledHash } from './passwords.js';
import { pincodeProblem, registrationProblem, usernameProblem, type Registration } from './registration.js';

/** New passwords: at least this many characters (the demo ones have 16+). */
export const MIN_NEW_PASSWORD_CHARS = 12;

/** An account command that cannot be carried out (no such user, unusable password). */
export class UserAdminError extends GatewayError {
  readonly name = 'UserAdminError';
  readonly code = 'SAC_AUTH_USER_ADMIN';
}

export type AccountChange = { readonly username: string; readonly disabled: boolean };

async function existing(store: UserStore, username: string): Promise<UserRecord> {
  const user = await store.findUser(username);
  if (!user) throw new UserAdminError(`no such user: ${username.slice(0, 64)}`);
  return user;
}

function passwordProblem(username: string, password: string): string | undefined {
  const problem = credentialProblem(username, password);
  if (problem) return problem;
  if ([...password].length < MIN_NEW_PASSWORD_CHARS) return `password must have at least ${MIN_NEW_PASSWORD_CHARS} characters`;
  return undefined;
}

export interface NewUser extends Registration {
  readonly username: string;
  readonly kind: UserKind;
  readonly password: string;
  /** Doctors only, and required for them. */
  readonly pincode?: string | undefined;
}

/** Add a user; refused when the username exists (change it with the other commands) or anything does not fit its kind. */
export async function addUser(store: UserStore, user: NewUser): Promise<AccountChange> {
  const problem =
    usernameProblem(user.kind, user.username) ??
    registrationProblem(user.kind, user) ??
    passwordProblem(user.username, user.password) ??
    (user.kind === 'medico'
      ? user.pincode === undefined
        ? 'a medico needs a pincode'
        : pincodeProblem(user.pincode)
      : user.pincode !== undefined
        ? `a ${user.kind} has no pincode`
        : undefined);
  if (problem) throw new UserAdminError(problem);
  if (await store.findUser(user.username)) throw new UserAdminError(`user already exists: ${user.username}`);
  await store.putUser({
    username: user.username,
    kind: user.kind,
    passwordHash: hashSecret(user.password),
    pincodeHash: user.pincode === undefined ? null : hashSecret(user.pincode),
    codiceRegione: user.codiceRegione,
    codiceAsl: user.codiceAsl,
    codiceStruttura: user.codiceStruttura,
  });
  return { username: user.username, disabled: false };
}

/** A doctor's new pincode (slow-hashed like the password). */
export async function changePincode(store: UserStore, username: string, pincode: string): Promise<AccountChange> {
  const user = await existing(store, username);
  if (user.kind !== 'medico') throw new UserAdminError(`${username} is a ${user.kind}: only a medico has a pincode`);
  const problem = pincodeProblem(pincode);
  if (problem) throw new UserAdminError(problem);
  await store.putUser({ ...user, pincodeHash: hashSecret(pincode) });
  return { username, disabled: isDisabledHash(user.passwordHash) };
}

/** Change region, ASL or structure (a field left undefined stays as it is; null removes it). */
export async function changeRegistration(
  store: UserStore,
  username: string,
  change: { readonly [K in keyof Registration]?: string | null },
): Promise<UserRecord> {
  const user = await existing(store, username);
  const next: UserRecord = {
    ...user,
    codiceRegione: change.codiceRegione === undefined ? user.codiceRegione : change.codiceRegione,
    codiceAsl: change.codiceAsl === undefined ? user.codiceAsl : change.codiceAsl,
    codiceStruttura: change.codiceStruttura === undefined ? user.codiceStruttura : change.codiceStruttura,
  };
  const problem = registrationProblem(user.kind, next);
  if (problem) throw new UserAdminError(problem);
  await store.putUser(next);
  return next;
}

/** A user as the CLI shows it: no hash, no secret; whether a pincode is set and whether the account is disabled. */
export interface AccountView extends Registration {
  readonly username: string;
  readonly kind: UserKind;
  readonly disabled: boolean;
  readonly pincode: boolean;
}

export function accountView(user: UserRecord): AccountView {
  return {
    username: user.username,
    kind: user.kind,
    disabled: isDisabledHash(user.passwordHash),
    pincode: user.pincodeHash !== null,
    codiceRegione: user.codiceRegione,
    codiceAsl: user.codiceAsl,
    codiceStruttura: user.codiceStruttura,
  };
}

export async function* listAccounts(store: UserStore): AsyncIterable<AccountView> {
  for await (const user of store.listUsers()) yield accountView(user);
}

/** Store a new password hash; a disabled account stays disabled (with the new password behind the lock). */
export async function changePassword(store: UserStore, username: string, password: string): Promise<AccountChange> {
  const problem = passwordProblem(username, password);
  if (problem) throw new UserAdminError(problem);
  const user = await existing(store, username);
  const disabled = isDisabledHash(user.passwordHash);
  const fresh = hashSecret(password);
  await store.putUser({ ...user, passwordHash: disabled ? disabledHash(fresh) : fresh });
  return { username, disabled };
}

/** Disable (nothing verifies) or enable again (the same password as before works again). */
export async function setDisabled(store: UserStore, username: string, disabled: boolean): Promise<AccountChange> {
  const user = await existing(store, username);
  const passwordHash = disabled ? disabledHash(user.passwordHash) : enabledHash(user.passwordHash);
  if (passwordHash !== user.passwordHash) await store.putUser({ ...user, passwordHash });
  return { username, disabled };
}
