/**
 * Arguments of every `sac-gateway` subcommand, read with node:util parseArgs
 * (strict: an unknown option or a missing value is a usage error naming the
 * command and its --help), plus --help / -h on each.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GatewayError } from '../errors.js';

/** Wrong arguments: exit status 2, with the command's --help named. */
export class UsageError extends GatewayError {
  readonly name = 'UsageError';
  readonly code = 'SAC_CLI_USAGE';
}

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  /** As typed after `sac-gateway`, e.g. "users add". */
  readonly name: string;
  /** The --help text (ends with a newline). */
  readonly usage: string;
  readonly options?: OptionSpecs;
  /** Names of the positional arguments, required ones first. */
  readonly positionals?: readonly string[];
  /** How many of them are required (default: all). */
  readonly required?: number;
}

export interface ParsedCommand {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

export function usageError(spec: CommandSpec, problem: string): UsageError {
  return new UsageError(`sac-gateway ${spec.name}: ${problem}\n(see sac-gateway ${spec.name} --help)`);
}

/** The parsed arguments, or undefined when --help was given (the usage is then printed on stdout). */
export function parseCommand(spec: CommandSpec, args: readonly string[]): ParsedCommand | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // Node's own text, without its advice about "--" (which no command here needs).
    throw usageError(spec, (err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (parsed.values.help) {
    process.stdout.write(spec.usage);
    return undefined;
  }
  const names = spec.positionals ?? [];
  const required = spec.required ?? names.length;
  if (parsed.positionals.length < required) throw usageError(spec, `missing ${names.slice(parsed.positionals.length, required).join(' ')}`);
  if (parsed.positionals.length > names.length) {
    throw usageError(spec, `unexpected argument '${parsed.positionals[names.length]!.slice(0, 64)}'`);
  }
  return { values: parsed.values as ParsedCommand['values'], positionals: parsed.positionals };
}

/** A string option's value, if given. */
export function stringValue(parsed: ParsedCommand, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}
