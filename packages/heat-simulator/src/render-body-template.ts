/**
 * Fills `{{Field}}` placeholders with a record's values, JSON-escaped. A placeholder between double quotes
 * ("{{Subject}}") gets the escaped string content; a bare one ({{IncidentNumber}}) gets a JSON value
 * (number, boolean, null or a quoted string), so that the result stays valid JSON either way.
 */
export function renderBodyTemplate(template: string, record: Record<string, unknown>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, field: string, at: number) => {
    const value = record[field];
    const quoted = template[at - 1] === '"' && template[at + whole.length] === '"';
    if (quoted) {
      if (value === null || value === undefined) return '';
      return JSON.stringify(String(value)).slice(1, -1);
    }
    return value === undefined ? 'null' : JSON.stringify(value);
  });
}
