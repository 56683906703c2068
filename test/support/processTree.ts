/**
 * A process and its live descendants, read from /proc: the tests stop what they
 * started by PID (nginx's master and workers), and the bench sums their CPU.
 * Linux only, like the rest of the harness.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A /proc file's text, or undefined once the process has gone. */
export function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Direct children of a process, from every one of its threads' children lists. */
function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out = new Set<number>();
  for (const tid of tasks) {
    const text = readOrUndefined(`/proc/${pid}/task/${tid}/children`);
    if (text === undefined) continue;
    for (const c of text.trim().split(/\s+/)) if (c !== '') out.add(Number(c));
  }
  return [...out];
}

/** The process and all its descendants that are still alive. */
export function processTree(root: number): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (readOrUndefined(`/proc/${pid}/stat`) === undefined) continue;
    out.push(pid);
    stack.push(...childrenOf(pid));
  }
  return out;
}
