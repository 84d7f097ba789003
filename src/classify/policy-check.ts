import type { PolicyCheck } from '../config/index.js';
import { compilePolicy } from './compile-policy.js';

/** loadConfig's `checkPolicy`: compiles the policy so that its problems join the schema's in one report. */
export const checkPolicyCompiles: PolicyCheck = (routing, policyVersion, file) => {
  compilePolicy(routing, policyVersion, { file });
};
