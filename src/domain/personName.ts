/**
 * A person's cognome and nome as the contract carries them (XSD types
 * `cognome`, 2–24, and `nome`, 2–20, both `[a-zA-Z ']*`): answers echo them
 * (InterrogazioneLavoratore, RistampaMalattia, ...), so a registry name outside
 * this form would make a receipt invalid against the contract's own schema.
 */

/** Longest cognome and nome the contract's types take. */
export const NAME_MAX = { cognome: 24, nome: 20 } as const;

const NAME_RE = /^[A-Za-z' ]+$/;

/** Accented letters written as the letter and an apostrophe (the usual form of Italian fiscal data); hyphens as spaces; spaces collapsed. */
export function contractName(value: string): string {
  return value
    .normalize('NFD')
    .replace(/([A-Za-z])[\u0300-\u036f]+/g, "$1'")
    .replace(/-/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Why `value` is not a contract name (Italian, for import reports), or undefined when it is one. */
export function nameProblem(label: string, value: string, max: number): string | undefined {
  if (value.length < 2) return `${label}: almeno 2 caratteri`;
  if (!NAME_RE.test(value)) return `${label}: solo lettere senza accento, spazi e apostrofo`;
  if (value.length > max) return `${label}: più di ${max} caratteri (il contratto ne ammette ${max})`;
  return undefined;
}

/** Why a person's names are not in the contract's form, or undefined when both are. */
export function personNameProblem(person: { readonly cognome: string; readonly nome: string }): string | undefined {
  return nameProblem('cognome', person.cognome, NAME_MAX.cognome) ?? nameProblem('nome', person.nome, NAME_MAX.nome);
}
