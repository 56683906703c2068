/**
 * Demo data and synthetic persons. The demo set is fixed (README, issue 2)
 * so any checker can use it; it is loaded only into a store with no users.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hashSecret } from './auth/passwords.js';
import { syntheticPersons } from './domain/codiceFiscale.js';
import type { Employment, EmploymentRegistry, Person, PersonRegistry, UserKind, UserStore } from './store/port.js';

const DEMO_FILE = fileURLToPath(new URL('../../resources/demo-data.json', import.meta.url));

interface DemoUser {
  username: string;
  password: string;
  kind: UserKind;
  pincode?: string;
  codiceRegione?: string;
  codiceAsl?: string;
  codiceStruttura?: string;
}

interface DemoData {
  users: DemoUser[];
  persons: Person[];
  /** Who employs whom: the demo employer employs two of the three demo persons (issue 12). */
  employments: Employment[];
}

export function loadDemoData(): DemoData {
  return JSON.parse(readFileSync(DEMO_FILE, 'utf8')) as DemoData;
}

/** Returns true when the demo set was loaded (the store had no users). */
export async function seedDemoIfEmpty(store: UserStore, registry: PersonRegistry): Promise<boolean> {
  if ((await store.countUsers()) > 0) return false;
  const demo = loadDemoData();
  for (const u of demo.users) {
    await store.putUser({
      username: u.username,
      kind: u.kind,
      passwordHash: hashSecret(u.password),
      pincodeHash: u.pincode === undefined ? null : hashSecret(u.pincode),
      codiceRegione: u.codiceRegione ?? null,
      codiceAsl: u.codiceAsl ?? null,
      codiceStruttura: u.codiceStruttura ?? null,
    });
  }
  await registry.putPersons(demo.persons);
  return true;
}

/**
 * The demo employments, written through the store's single writer: call it
 * when seedDemoIfEmpty loaded the demo set, and await it before serving.
 */
export function seedDemoEmployments(employments: EmploymentRegistry): Promise<number> {
  return employments.putEmployments(loadDemoData().employments);
}

export function seedSyntheticPersons(registry: PersonRegistry, count: number, seed = 1): Promise<number> {
  return registry.putPersons(syntheticPersons(count, seed));
}
