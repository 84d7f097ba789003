/**
 * HEAT session ids look like `{tenant url}#<32 upper-alnum>#2` (docs/heat-api.md §2.2), and some HEAT 500 bodies
 * echo them back together with TenantId/LoginId (docs/heat-api.md §10). The tenant part may be missing or
 * HTML-entity encoded, so match "anything up to #, 32 alphanumerics, #2".
 */
const SESSION_ID = /[^\s"'&;,#]*#[A-Za-z0-9]{32}#2\b/g;
/** OIDC tenants return a JWT instead of a session id (docs/heat-api.md §2.2). */
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
/** `"SessionId":"..."`, `rest_api_key=...`, `Password: ...` in echoed request dumps. */
const SECRET_PAIR =
  /((?:session_?id|sessionkey|password|rest_api_key|api_?key|authorization|token)(?:&quot;|["'])?\s*[:=]\s*(?:&quot;|["'])?)(?!\[redacted)[^\s"'&,;}]+/gi;

/** Decodes the few HTML entities HEAT uses in 500 bodies (docs/heat-api.md §10: `{&quot;error&quot;…}`). */
export function decodeHtmlEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Removes anything that looks like a credential from text HEAT sent back, plus the exact secrets the
 * client holds (API key, password, current session id) wherever they appear.
 */
export function redactHeatSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    // Very short values would blank out ordinary words; real keys and passwords are longer.
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out
    .replace(SESSION_ID, '[redacted-session]')
    .replace(JWT, '[redacted-token]')
    .replace(SECRET_PAIR, '$1[redacted]');
}
