import { parseDocument } from 'yaml';

/** routing.yaml text without its `model` section: the rules decide alone (for tests of rule edits). */
export function rulesOnly(routingYaml: string): string {
  const doc = parseDocument(routingYaml);
  doc.delete('model');
  return doc.toString();
}
