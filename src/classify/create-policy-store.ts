import { ConfigError, type RoutingPolicyConfig } from '../config/index.js';
import { compilePolicy, type CompiledPolicy } from './compile-policy.js';

export interface PolicyStore {
  current(): CompiledPolicy;
  /**
   * Compiles a candidate policy and makes it current only when it compiles; on ConfigError the good
   * policy stays in place and the error is returned (issue 3: a policy that fails to load never replaces a good one).
   */
  tryReplace(
    config: RoutingPolicyConfig,
    policyVersion: string,
    source?: { file: string },
  ): { ok: true } | { ok: false; error: ConfigError };
}

export function createPolicyStore(initial: CompiledPolicy): PolicyStore {
  let current = initial;
  return {
    current: () => current,
    tryReplace(config, policyVersion, source) {
      try {
        current = compilePolicy(config, policyVersion, source);
        return { ok: true };
      } catch (err) {
        if (err instanceof ConfigError) return { ok: false, error: err };
        throw err;
      }
    },
  };
}
