import { resolve } from '../template/functions.js';
import type { StackRun } from './run.js';

// Stack outputs, evaluated live against the resources as they are now; an
// output that cannot be evaluated carries its error instead of a value.

export interface OutputValue {
  output_key: string;
  description: string;
  output_value?: unknown;
  output_error?: string;
}

export async function stackOutputs(run: StackRun, names?: string[], values = true): Promise<OutputValue[]> {
  const out: OutputValue[] = [];
  for (const [key, d] of Object.entries(run.def.outputs)) {
    if (names && !names.includes(key)) continue;
    const o: OutputValue = { output_key: key, description: d.description ?? 'No description given' };
    if (values) {
      try {
        if (!run.def.enabled(d.condition, `outputs.${key}.condition`)) o.output_value = null;
        else {
          const scope = run.def.scope(run.view(await run.prefetch([d.value])));
          o.output_value = resolve(d.value, scope, `outputs.${key}.value`) ?? null;
        }
      } catch (e) {
        o.output_value = null;
        o.output_error = (e as Error).message;
      }
    }
    out.push(o);
  }
  return out;
}
