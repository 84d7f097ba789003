import { compileLoadedPolicy, type CompiledPolicy } from '../classify/index.js';
import type { LoadedConfig } from '../config/index.js';

/** The config and compiled policy in force; swapped whole on a successful reload, never half-way. */
export interface RuntimeState {
  config: LoadedConfig;
  policy: CompiledPolicy;
}

export function buildRuntime(config: LoadedConfig): RuntimeState {
  return {
    config,
    policy: compileLoadedPolicy(config),
  };
}
